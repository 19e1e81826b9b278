import type { Priority } from './schema.js';

/** Where a node's content came from. */
export type NodeSource = 'model' | 'structural';

/** One node of the plan tree; depth 1 = task, 2 = subtask, 3+ = checklist items in details. */
export interface PlanNode {
  /** Deterministic path: `c0/t2` for task 2 of chunk 0, `c0/t2/3` for its 3rd child. */
  path: string;
  depth: number;
  title: string;
  description: string;
  details: string;
  testStrategy: string;
  priority: Priority;
  complexity: number;
  /** Dependencies as indexes into the sibling list (0-based), already validated. */
  deps: number[];
  children: PlanNode[];
  source: NodeSource;
  model?: string;
  promptId?: string;
}

/** A dependency the planner had to change, reported to the user and stored with the run. */
export interface DepFix {
  at: string;
  dep: string;
  reason: 'unknown' | 'self' | 'cycle';
}

/**
 * Turns 1-based positions from a model answer into 0-based sibling indexes: drops unknown
 * positions and self-references, de-duplicates, and records what was dropped.
 */
export function normalizeDeps(raw: number[][], paths: string[]): { deps: number[][]; fixes: DepFix[] } {
  const fixes: DepFix[] = [];
  const deps = raw.map((list, i) => {
    const out = new Set<number>();
    for (const p of list) {
      const j = p - 1;
      if (!Number.isInteger(p) || j < 0 || j >= raw.length)
        fixes.push({ at: paths[i]!, dep: String(p), reason: 'unknown' });
      else if (j === i) fixes.push({ at: paths[i]!, dep: String(p), reason: 'self' });
      else out.add(j);
    }
    return [...out].sort((a, b) => a - b);
  });
  return { deps, fixes };
}

/**
 * Removes cycles deterministically: nodes are visited in index order and edges in ascending
 * order; an edge that reaches a node still on the DFS stack closes a cycle and is dropped.
 * The result is a DAG whose remaining edges are exactly the non-back edges of that DFS.
 */
export function breakCycles(deps: number[][], paths: string[]): { deps: number[][]; fixes: DepFix[] } {
  const state = new Array<number>(deps.length).fill(0); // 0 new, 1 on stack, 2 done
  const out = deps.map((d) => [...d]);
  const fixes: DepFix[] = [];
  const visit = (i: number) => {
    state[i] = 1;
    for (const j of [...out[i]!]) {
      if (state[j] === 1) {
        out[i] = out[i]!.filter((x) => x !== j);
        fixes.push({ at: paths[i]!, dep: paths[j]!, reason: 'cycle' });
      } else if (state[j] === 0) visit(j);
    }
    state[i] = 2;
  };
  for (let i = 0; i < deps.length; i++) if (state[i] === 0) visit(i);
  return { deps: out, fixes };
}

const STOP = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'of',
  'for',
  'to',
  'in',
  'on',
  'with',
  'implement',
  'create',
  'add',
  'build',
  'set',
  'up',
  'setup',
]);

/** Title words that carry meaning, for duplicate detection. */
export function titleWords(title: string): Set<string> {
  return new Set(
    title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^\p{L}\p{N}\s]/gu, ' ')
      .split(/\s+/)
      .filter((w) => w && !STOP.has(w))
      .map((w) => (w.length > 4 && w.endsWith('s') ? w.slice(0, -1) : w)),
  );
}

// Duplicate checks compare every new title with every kept one (hundreds of tasks in a large PRD): each
// title's words are computed once. Bounded so a long-lived library process does not grow without end.
const WORDS = new Map<string, Set<string>>();
function wordsOf(title: string): Set<string> {
  let w = WORDS.get(title);
  if (!w) {
    if (WORDS.size >= 20_000) WORDS.clear();
    WORDS.set(title, (w = titleWords(title)));
  }
  return w;
}

/** True when two titles name the same work: equal word sets, or Jaccard similarity ≥ 0.8. */
export function sameWork(a: string, b: string): boolean {
  const A = wordsOf(a);
  const B = wordsOf(b);
  if (!A.size || !B.size) return a.trim().toLowerCase() === b.trim().toLowerCase();
  let inter = 0;
  for (const w of A) if (B.has(w)) inter++;
  return inter / (A.size + B.size - inter) >= 0.8;
}

/**
 * Titles added one by one, and which added title first names the same work as another (sameWork).
 * Looks only at added titles that share a word with it (a Jaccard similarity of 0.8 needs one), through
 * an index of title words, so checking each of 500 tasks against the ones before it is not a scan of all.
 */
export class TitleIndex {
  private readonly sizes: number[] = [];
  private readonly postings = new Map<string, number[]>();
  /** Trimmed lower-case text → first index: the comparison sameWork makes when a title has no words. */
  private readonly bare = new Map<string, number>();

  /** Adds a title; returns its index (0, 1, …). */
  add(title: string): number {
    const i = this.sizes.length;
    const words = wordsOf(title);
    this.sizes.push(words.size);
    for (const w of words) {
      const p = this.postings.get(w);
      if (p) p.push(i);
      else this.postings.set(w, [i]);
    }
    const bare = title.trim().toLowerCase();
    if (!this.bare.has(bare)) this.bare.set(bare, i);
    return i;
  }

  /** Index of the first added title that names the same work as `title`, or undefined. */
  first(title: string): number | undefined {
    const A = wordsOf(title);
    // Equal trimmed lower-case texts have equal words, so a title with words never matches one without.
    if (!A.size) return this.bare.get(title.trim().toLowerCase());
    const inter = new Map<number, number>();
    for (const w of A) for (const i of this.postings.get(w) ?? []) inter.set(i, (inter.get(i) ?? 0) + 1);
    let best: number | undefined;
    for (const [i, n] of inter) {
      const B = this.sizes[i]!;
      if (B && (best === undefined || i < best) && n / (A.size + B - n) >= 0.8) best = i;
    }
    return best;
  }
}

const RANK: Record<Priority, number> = { high: 3, medium: 2, low: 1 };

/**
 * Merges duplicate top-level tasks produced by different chunks (the first occurrence wins and
 * takes the higher priority and complexity); dependencies pointing at a dropped duplicate are
 * redirected to the kept task. Input deps are indexes into `nodes`; output deps likewise.
 */
export function mergeDuplicates(nodes: PlanNode[]): { nodes: PlanNode[]; merged: { kept: string; dropped: string }[] } {
  const keepOf = new Array<number>(nodes.length);
  const kept: number[] = [];
  const index = new TitleIndex();
  const merged: { kept: string; dropped: string }[] = [];
  nodes.forEach((n, i) => {
    const first = index.first(n.title);
    const k = first === undefined ? undefined : kept[first];
    if (k === undefined) {
      keepOf[i] = i;
      kept.push(i);
      index.add(n.title);
    } else {
      keepOf[i] = k;
      merged.push({ kept: nodes[k]!.path, dropped: n.path });
    }
  });
  const newIndex = new Map(kept.map((old, idx) => [old, idx]));
  const out = kept.map((i) => ({ ...nodes[i]!, deps: new Set<number>() }));
  nodes.forEach((n, i) => {
    const target = out[newIndex.get(keepOf[i]!)!]!;
    if (keepOf[i] !== i) {
      if (RANK[n.priority] > RANK[target.priority]) target.priority = n.priority;
      target.complexity = Math.max(target.complexity, n.complexity);
    }
    for (const d of n.deps) {
      const to = newIndex.get(keepOf[d]!)!;
      if (to !== newIndex.get(keepOf[i]!)) target.deps.add(to);
    }
  });
  return { nodes: out.map((n) => ({ ...n, deps: [...n.deps].sort((a, b) => a - b) })), merged };
}

/** Deepest level present in a tree (1 for tasks without children). */
export function depthOf(nodes: PlanNode[]): number {
  return nodes.reduce((m, n) => Math.max(m, n.depth, depthOf(n.children)), 0);
}

/** Counts nodes at each depth: [tasks, subtasks, deeper…]. */
export function countByDepth(nodes: PlanNode[], acc: number[] = []): number[] {
  for (const n of nodes) {
    acc[n.depth - 1] = (acc[n.depth - 1] ?? 0) + 1;
    countByDepth(n.children, acc);
  }
  return acc;
}
