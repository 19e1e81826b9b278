import { chunkPrompt, expandPrompt, type BuiltPrompt } from './prompts.js';
import { chunkPromptV1, expandPromptV1 } from './prompts-v1.js';
import type { PlanNode } from './plan.js';
import { estimateTokens, type Chunk } from './split.js';

/** Prompt versions parse-prd can ask with; the newest is the default. */
export const PROMPT_VERSIONS = [1, 2] as const;
export type PromptVersion = (typeof PROMPT_VERSIONS)[number];
export const DEFAULT_PROMPT_VERSION: PromptVersion = 2;

/** The top-level request for one chunk in the chosen prompt version. */
export function chunkRequest(
  version: PromptVersion,
  chunk: Chunk,
  chunkCount: number,
  want: number | undefined,
): BuiltPrompt {
  return version === 1 ? chunkPromptV1(chunk, chunkCount, want) : chunkPrompt(chunk, chunkCount, want);
}

/**
 * The decomposition request for one node in the chosen prompt version. `levels` lists, per level from
 * the top, the items up to and including the one on the node's path (its last entry is the node).
 */
export function expandRequest(
  version: PromptVersion,
  node: PlanNode,
  levels: PlanNode[][],
  chunk: Chunk,
  contextLength: number,
): BuiltPrompt {
  if (version === 1) {
    // v1 sent the chunk clipped to a third of the context after the task, and the ancestors' descriptions.
    const ancestors = levels.slice(0, -1).map((l) => l.at(-1)!);
    return expandPromptV1(node, ancestors, clipTokens(chunk.text, Math.floor(contextLength / 3)));
  }
  return expandPrompt(node, levels, chunk.text);
}

function clipTokens(text: string, tokens: number): string {
  return estimateTokens(text) <= tokens ? text : `${text.slice(0, tokens * 4)}\n[…]`;
}
