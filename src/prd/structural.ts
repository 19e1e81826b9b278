import { splitSections } from './split.js';
import type { PlanNode } from './plan.js';

/** Label written into every task the structural planner produces, so no one mistakes it for model output. */
export const STRUCTURAL_LABEL =
  "[structural planner] Derived from the PRD's headings and lists without a language model; review before relying on it.";

// Sections that describe rather than ask for work.
const NON_WORK =
  /^(overview|introduction|intro|background|summary|context|purpose|problem( statement)?|vision|goals?|objectives|glossary|definitions|references|appendix|non[- ]?goals?|out of scope|open questions|table of contents|toc|revision history|changelog|stakeholders|personas|users?|target users?|success metrics|metrics|risks?( and mitigations)?|assumptions|timeline|milestones)\b/i;

export interface ListItem {
  text: string;
  children: ListItem[];
}

const BULLET = /^(\s*)(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(.*\S)\s*$/;

/** Parses markdown bullet and numbered lists into a tree by indentation. */
export function parseList(text: string): ListItem[] {
  const root: ListItem[] = [];
  const stack: { indent: number; items: ListItem[] }[] = [{ indent: -1, items: root }];
  for (const line of text.split('\n')) {
    const m = BULLET.exec(line);
    if (!m) continue;
    const indent = m[1]!.replace(/\t/g, '    ').length;
    while (stack.length > 1 && stack.at(-1)!.indent >= indent) stack.pop();
    const item: ListItem = { text: m[2]!, children: [] };
    stack.at(-1)!.items.push(item);
    stack.push({ indent, items: item.children });
  }
  return root;
}

function firstSentence(text: string): string {
  const prose = text
    .split('\n')
    .filter((l) => l.trim() && !BULLET.test(l) && !/^#{1,6}\s/.test(l) && !/^\s*(```|~~~|\|)/.test(l))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^(.{10,300}?[.!?])(\s|$)/.exec(prose);
  return (m ? m[1]! : prose.slice(0, 300)).trim();
}

export function clip(s: string, n: number): string {
  const t = s.replace(/\*\*|__|`/g, '').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1).trimEnd()}…`;
}

export function itemNode(item: ListItem, path: string, depth: number, maxDepth: number): PlanNode {
  return {
    path,
    depth,
    title: clip(item.text.split(/[:.;]\s/)[0]!.replace(/[.:;]+$/, ''), 80),
    description: clip(item.text, 400),
    details: '',
    testStrategy: '',
    priority: 'medium',
    complexity: 1,
    deps: [],
    children: depth < maxDepth ? item.children.map((c, k) => itemNode(c, `${path}/${k + 1}`, depth + 1, maxDepth)) : [],
    source: 'structural',
  };
}

/**
 * The deterministic planner used when no model is reachable: each work-describing leaf section
 * becomes a task (heading = title, first sentence = description, section text = details), its
 * list items become subtasks and nested items a checklist. Descriptive sections (overview,
 * non-goals, …) are skipped. Without headings, top-level list items become the tasks.
 */
export function structuralPlan(prd: string, opts: { maxDepth: number; numTasks: number }): PlanNode[] {
  const sections = splitSections(prd);
  const withHeadings = sections.filter((s) => s.path.length > 0);
  // A section is a leaf when no later section lies below it in the heading tree.
  const leaves = withHeadings.filter((s, i) => {
    const next = withHeadings[i + 1];
    return !(
      next &&
      next.level > s.level &&
      next.path.slice(0, s.path.length).join('\u0000') === s.path.join('\u0000')
    );
  });
  const work = leaves.filter((s) => !s.path.some((h) => NON_WORK.test(h.replace(/^[\d.\s]+/, ''))));
  let nodes: PlanNode[];
  if (work.length) {
    nodes = work.map((s, i) => {
      const body = s.text.split('\n').slice(1).join('\n').trim();
      const title = clip(s.path.at(-1)!.replace(/^[\d.\s]+/, ''), 80);
      const items = parseList(body);
      const path = `s${i}`;
      return {
        path,
        depth: 1,
        title,
        description:
          firstSentence(body) || `Implement "${title}" as specified in the PRD section ${s.path.join(' > ')}.`,
        details: `PRD section: ${s.path.join(' > ')}\n\n${clip(body, 4000)}`.trim(),
        testStrategy: items.length
          ? 'Verify each item listed in the PRD section is implemented and covered by a test.'
          : '',
        priority: 'medium' as const,
        complexity: Math.min(10, 1 + items.length),
        deps: [],
        children: opts.maxDepth >= 2 ? items.map((it, k) => itemNode(it, `${path}/${k + 1}`, 2, opts.maxDepth)) : [],
        source: 'structural' as const,
      };
    });
  } else {
    const items = parseList(prd);
    nodes = items.length
      ? items.map((it, i) => itemNode(it, `s${i}`, 1, opts.maxDepth))
      : [
          {
            path: 's0',
            depth: 1,
            title: clip(prd.trim().split('\n')[0]!, 80),
            description: firstSentence(prd) || clip(prd, 300),
            details: clip(prd.trim(), 4000),
            testStrategy: '',
            priority: 'medium',
            complexity: 1,
            deps: [],
            children: [],
            source: 'structural',
          },
        ];
  }
  return opts.numTasks > 0 ? nodes.slice(0, opts.numTasks) : nodes;
}
