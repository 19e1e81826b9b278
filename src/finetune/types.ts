import type { ChatMessage } from '../models/types.js';
import type { PromptSource } from '../prompting/index.js';

/** Where an example came from. */
export const EXAMPLE_SOURCES = ['prd', 'expand', 'research', 'manual'] as const;
export type ExampleSource = (typeof EXAMPLE_SOURCES)[number];

/** The dataset formats existing trainers read. */
export const DATASET_FORMATS = ['chat', 'sharegpt', 'alpaca', 'completion'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** One training example: the exact messages a model is sent, and the answer the team kept. */
export interface Example {
  source: ExampleSource;
  /** Prompt and answer, the answer last (role assistant). */
  messages: ChatMessage[];
  /** Copies in train.jsonl: 2 when the kept tasks reached `done`, else 1. */
  weight: number;
  /** `name@vN` of the prompt the input was rendered with (none for hand-written pairs). */
  promptId?: string;
  /** What the instruction ending the last user message was rendered from (prompt tuning renders it again). */
  rendered?: PromptSource;
}

/** The split as percentages (train, valid, test), summing to 100. */
export interface SplitSpec {
  train: number;
  valid: number;
  test: number;
}
