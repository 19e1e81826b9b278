import { Box, Text } from 'ink';
import type { PrdEvent } from '../../src/prd/processor.js';

/** One node as the live view shows it. */
export interface ViewNode {
  path: string;
  parent?: string;
  title: string;
  depth: number;
  state: 'running' | 'done' | 'failed';
  origin?: string;
}

/** The state the live view renders; `reduce` folds progress events into it. */
export interface ViewState {
  nodes: Map<string, ViewNode>;
  order: string[];
  calls: number;
  tokens: number;
  cacheHits: number;
  resumed: number;
  chunks: number;
  model?: string;
  structural?: string;
}

export const initialState = (): ViewState => ({
  nodes: new Map(),
  order: [],
  calls: 0,
  tokens: 0,
  cacheHits: 0,
  resumed: 0,
  chunks: 0,
});

/** Folds one event into the view state (mutates and returns it; the view re-renders on a tick). */
export function reduce(s: ViewState, e: PrdEvent): ViewState {
  if (e.type === 'start') Object.assign(s, { chunks: e.chunks, model: e.model });
  else if (e.type === 'stats')
    Object.assign(s, { calls: e.calls, tokens: e.tokens, cacheHits: e.cacheHits, resumed: e.resumed });
  else if (e.type === 'structural') s.structural = e.reason;
  else {
    const prev = s.nodes.get(e.path);
    if (!prev) s.order.push(e.path);
    s.nodes.set(e.path, {
      path: e.path,
      // A root node (expand's task) may name itself as its parent: it has none.
      parent: (e.parent !== e.path ? e.parent : undefined) ?? prev?.parent,
      title: e.title,
      depth: e.depth,
      state: e.state,
      origin: e.origin ?? prev?.origin,
    });
  }
  return s;
}

const ICON = { running: '…', done: '✔', failed: '✖' } as const;
const MAX_LINES = 30;

/** The growing tree: chunks at the root, tasks under them, subtasks below, newest lines kept on screen. */
export function ParsePrdTree({ s, elapsedMs }: { s: ViewState; elapsedMs: number }) {
  const lines: ViewNode[] = [];
  const kids = new Map<string | undefined, ViewNode[]>();
  for (const p of s.order) {
    const n = s.nodes.get(p)!;
    const parent = n.parent && s.nodes.has(n.parent) ? n.parent : undefined;
    kids.set(parent, [...(kids.get(parent) ?? []), n]);
  }
  const walk = (parent: string | undefined) => {
    for (const n of kids.get(parent) ?? []) {
      lines.push(n);
      walk(n.path);
    }
  };
  walk(undefined);
  const shown = lines.slice(-MAX_LINES);
  const indent = (n: ViewNode) => '  '.repeat(Math.max(0, n.depth));
  return (
    <Box flexDirection="column">
      {lines.length > shown.length ? <Text dimColor> … {lines.length - shown.length} more above</Text> : null}
      {shown.map((n) => (
        <Text key={n.path} color={n.state === 'failed' ? 'red' : n.state === 'done' ? 'green' : 'yellow'}>
          {indent(n)}
          {ICON[n.state]} {n.title}
          {n.origin && n.origin !== 'model' ? <Text dimColor> ({n.origin})</Text> : null}
        </Text>
      ))}
      <Text>
        {s.structural ? 'structural planner (no model reachable)' : `model ${s.model ?? '…'}`} · {s.calls} calls ·{' '}
        {s.tokens.toLocaleString('en-US')} tokens · {s.cacheHits} cache hits{s.resumed ? ` · ${s.resumed} resumed` : ''}{' '}
        · {(elapsedMs / 1000).toFixed(1)} s
      </Text>
    </Box>
  );
}
