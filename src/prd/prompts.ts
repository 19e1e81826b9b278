import { fenceData, loadPrompt, type PromptSource } from '../prompting/index.js';
import type { ChatMessage } from '../models/types.js';
import type { Chunk } from './split.js';
import type { PlanNode } from './plan.js';

/** A ready request: messages plus the prompt id@version recorded with it. */
export interface BuiltPrompt {
  promptId: string;
  messages: ChatMessage[];
  /** The prompt and variables the request's instruction (the end of its last message) was rendered from. */
  source?: PromptSource;
}

/** Data every planning call of one PRD part starts with, fenced once (the fence depends on this text alone). */
export interface PlanningContext {
  /** Fence label: 'prd' for a PRD part, e.g. 'project' for a project's task list. */
  label: string;
  text: string;
}

/**
 * The shared head of every planning call (parse, expand, and the task commands' analyze-complexity and
 * update): one system text with no variables, then the user message opening with the fenced context.
 * Everything that differs between calls comes after this block, so a local server that keeps its KV
 * cache (llama.cpp `cache_prompt`, Ollama's runner, vLLM prefix caching) reads the block once per run.
 * The fence is derived from the context text alone, never from what follows it.
 */
export function planningMessages(context: PlanningContext, rest: string): ChatMessage[] {
  return [
    { role: 'system', content: planningSystem() },
    { role: 'user', content: `${leadingUserBlock(context)}${rest}` },
  ];
}

/** The start of the user message shared by all calls on one context (ends with a blank line). */
export function leadingUserBlock(context: PlanningContext): string {
  const last = lastBlock;
  if (last && last.label === context.label && last.text === context.text) return last.block;
  const f = fenceData(context.label, context.text);
  const block = `${f.open}\n${f.body}\n${f.close}\n\n`;
  lastBlock = { label: context.label, text: context.text, block };
  return block;
}

// The calls on one context come one after another (a run's parts, an export's examples): the block of the
// last context is kept, so a PRD part is fenced once, not once per task expanded from it.
let lastBlock: { label: string; text: string; block: string } | undefined;

/** The planning system text (prompts/planning-system); identical for every planning call. */
export function planningSystem(): string {
  return loadPrompt('planning-system').text.trim();
}

/** How many tasks to ask of one chunk: the requested total shared by chunk size, at least 1. */
export function tasksForChunk(numTasks: number, chunk: Chunk, totalTokens: number): number | undefined {
  if (numTasks <= 0) return undefined;
  return Math.max(1, Math.round((numTasks * chunk.tokens) / Math.max(1, totalTokens)));
}

/** Upper bound on tasks accepted from one chunk answer when a count was requested. */
export function maxTasks(want: number): number {
  return Math.max(want * 2, want + 3);
}

/** Subtasks to ask for: more for more complex tasks, 2..6. */
export function subtaskCount(complexity: number): number {
  return Math.min(6, Math.max(2, Math.ceil(complexity / 2) + 1));
}

/**
 * The top-level request for one PRD chunk. A pure function of its inputs (no dates, no run ids): the
 * same PRD and options always produce the same messages, so the cache hits and a resumed run asks
 * the same questions.
 */
export function chunkPrompt(chunk: Chunk, chunkCount: number, want: number | undefined): BuiltPrompt {
  const countRule = want
    ? `about ${want} top-level tasks (never more than ${maxTasks(want)}).`
    : 'as many top-level tasks as it needs (usually 3 to 12), no more.';
  const scope =
    chunkCount === 1
      ? ''
      : `This is part ${chunk.index + 1} of ${chunkCount} of a PRD, covering: ${chunk.headings.join('; ') || 'untitled text'}. ` +
        'The other parts are planned separately: plan only this part.\n';
  const vars = { scope, countRule };
  const p = loadPrompt('parse-prd', vars, { version: 2 });
  return {
    promptId: p.id,
    messages: planningMessages({ label: 'prd', text: chunk.text }, p.text.trim()),
    source: { name: 'parse-prd', version: 2, vars },
  };
}

/**
 * The decomposition request for one node. After the shared block (system text, fenced PRD part) comes
 * the plan above the node, each level listing its items up to the one on the node's path (titles
 * only), then the node itself with its description, details and test strategy, then the instruction.
 * So sibling requests agree byte for byte up to the node's own title, and the prompt depends only on
 * the PRD part, the node and the items before it: it can be sent while later siblings are still
 * being generated.
 *
 * @param levels for each level from the top, the items up to and including the one on the node's
 *   path; the last level ends with the node itself.
 */
export function expandPrompt(node: PlanNode, levels: PlanNode[][], prdPart: string): BuiltPrompt {
  const lines: string[] = [];
  levels.forEach((items, depth) => {
    const pad = '   '.repeat(depth);
    for (const it of items) lines.push(planLine(it, depth, pad));
  });
  const pad = '   '.repeat(levels.length);
  lines.push(`${pad}Description: ${oneLine(node.description)}`);
  lines.push(`${pad}Details: ${oneLine(node.details)}`);
  if (node.testStrategy.trim()) lines.push(`${pad}Test strategy: ${oneLine(node.testStrategy)}`);
  const plan = defang(lines.join('\n'));
  const vars = {
    open: '<<<BEGIN PLAN>>>',
    close: '<<<END PLAN>>>',
    plan,
    item: `${node.depth === 1 ? 'task' : node.depth === 2 ? 'subtask' : 'step'} ${itemNumber(node.path)}`,
    count: subtaskCount(node.complexity),
  };
  const p = loadPrompt('expand-task', vars, { version: 2 });
  return {
    promptId: p.id,
    messages: planningMessages({ label: 'prd', text: prdPart }, p.text.trim()),
    source: { name: 'expand-task', version: 2, vars },
  };
}

// Each sibling's request lists the items before it, so a node's plan line is asked for once per later
// sibling: it is rendered once and kept with the node (re-rendered if its path or title changed).
const planLines = new WeakMap<PlanNode, { depth: number; path: string; title: string; line: string }>();

function planLine(it: PlanNode, depth: number, pad: string): string {
  const hit = planLines.get(it);
  if (hit && hit.depth === depth && hit.path === it.path && hit.title === it.title) return hit.line;
  const line = `${pad}${itemNumber(it.path)}${depth === 0 ? '.' : ''} ${oneLine(it.title)}`;
  planLines.set(it, { depth, path: it.path, title: it.title, line });
  return line;
}

/** `c0/t3/2/1` → `3.2.1`: the number a reader sees (positions within the PRD part's own answer). */
export function itemNumber(path: string): string {
  return path.replace(/^c\d+\/t/, '').replaceAll('/', '.');
}

/** Model-written text on one line, so the plan layout (and its shared prefix) cannot be broken by it. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Plan text comes from the model, so no fixed fence label is safe by construction: neutralise anything
 * that looks like a fence instead (the PLAN fence stays fixed, so it never depends on the task text).
 */
function defang(s: string): string {
  return s.replace(/<<<(\s*(?:BEGIN|END))/gi, '<< <$1');
}
