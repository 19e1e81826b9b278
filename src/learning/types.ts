/**
 * The shapes the learning module stores and reasons over. An experience is one run of a command:
 * what the situation was (context), what was done (action), how it went (outcome) and, later,
 * what the user did with the result (feedback, read back from tasks.json).
 */
import { z } from 'zod';
import type { Experiment, LearningRepo, ModelCallStatsRow } from '../storage/learning-repo.js';

/** Task types experiences are recorded under (the command that ran). */
export const LEARNING_TASK_TYPES = ['parse_prd', 'research', 'other'] as const;
export type LearningTaskType = (typeof LEARNING_TASK_TYPES)[number];

/**
 * The specification's task types (what its meta-learning engine records under) mapped to ours.
 * Those with no type of their own here are recorded as `other` with their name kept in the
 * context (`taskKind`), so nothing the user said is lost.
 */
export const SPEC_TASK_TYPES: Readonly<Record<string, LearningTaskType>> = {
  task_decomposition: 'parse_prd',
  prd_processing: 'parse_prd',
  planning: 'parse_prd',
  research: 'research',
  knowledge_synthesis: 'research',
  optimization: 'other',
  diagnosis: 'other',
  failure_recovery: 'other',
  analysis: 'other',
  code_generation: 'other',
  meta_analysis: 'other',
  general: 'other',
};

/** A task type as given ('parse-prd', 'task_decomposition', 'DIAGNOSIS'): ours, and the given name when it only maps to `other`. */
export function parseLearningTaskType(name: string): { type: LearningTaskType; kind?: string } | undefined {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
  if ((LEARNING_TASK_TYPES as readonly string[]).includes(n)) return { type: n as LearningTaskType };
  const type = SPEC_TASK_TYPES[n];
  if (!type) return undefined;
  return type === 'other' ? { type, kind: n } : { type };
}

/** The accepted task type names, for messages. */
export function learningTaskTypesText(): string {
  return `${LEARNING_TASK_TYPES.join(', ')} (or the specification's ${Object.keys(SPEC_TASK_TYPES).join(', ')})`;
}

/** Features of the input that plausibly change which strategy works (all optional for hand-made records). */
export const ContextSchema = z.looseObject({
  prdBytes: z.number().nonnegative().optional(),
  sections: z.number().int().nonnegative().optional(),
  words: z.number().int().nonnegative().optional(),
  domainWords: z.array(z.string()).optional(),
  estimatedComplexity: z.number().min(0).max(10).optional(),
  query: z.string().optional(),
});
export type LearningContext = z.infer<typeof ContextSchema>;

/** What was done: model, prompt id@version, strategy label, depth and settings. */
export const ActionSchema = z.looseObject({
  model: z.string().optional(),
  models: z.array(z.string()).optional(),
  promptIds: z.array(z.string()).optional(),
  strategy: z.string().optional(),
  depth: z.number().int().nonnegative().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});
export type LearningAction = z.infer<typeof ActionSchema>;

/** How the run went. `schemaValidRate` is valid answers / answers checked, over fresh calls. */
export const OutcomeSchema = z.looseObject({
  success: z.boolean(),
  schemaValid: z.boolean().optional(),
  schemaValidRate: z.number().min(0).max(1).optional(),
  reasks: z.number().int().nonnegative().optional(),
  fallbacks: z.number().int().nonnegative().optional(),
  failures: z.number().int().nonnegative().optional(),
  tokens: z.number().nonnegative().optional(),
  latencyMs: z.number().nonnegative().optional(),
  calls: z.number().int().nonnegative().optional(),
  errorCode: z.string().optional(),
});
export type LearningOutcome = z.infer<typeof OutcomeSchema>;

/** What became of the tasks a run wrote (read back from tasks.json when `improve` runs). */
export interface LearningFeedback {
  tasks: number;
  done: number;
  cancelled: number;
  deferred: number;
  /** Tasks of this run no longer in the file. */
  removed: number;
  subtasksAdded: number;
  subtasksRemoved: number;
  readAt: string;
}

/** Where the written tasks of a run live, so feedback can be read later. */
export interface WrittenTasks {
  tasksPath: string;
  tag: string;
  /** task-master id → number of subtasks written. */
  subtasks: Record<string, number>;
}

/** Per-model facts of one run (from the metrics ledger: one row per attempt); the stored row as it is. */
export type ModelCallStats = ModelCallStatsRow;

/** The task commands whose runs are recorded as experiences (src/tasks, through the task-job wrapper). */
export const TASK_JOBS = [
  'expand',
  'analyze-complexity',
  'add-task',
  'update-task',
  'update-subtask',
  'update',
  'scope-up',
  'scope-down',
] as const;
export type TaskJob = (typeof TASK_JOBS)[number];

/** The command an experience comes from. */
export type ExperienceSource = 'parse-prd' | 'research' | 'manual' | 'probe' | TaskJob;

/** One experience, as recorded (`LearningExperience` in the library API). */
export interface LearningExperience {
  id?: number;
  ts?: string;
  taskType: LearningTaskType;
  source: ExperienceSource;
  runId?: string;
  context: LearningContext;
  action: LearningAction;
  outcome: LearningOutcome;
  feedback?: LearningFeedback;
  written?: WrittenTasks;
  modelStats?: ModelCallStats[];
}

/** A concrete config change `improve` can propose and apply. */
export type Change =
  | { kind: 'role-model'; role: 'main' | 'research' | 'fallback'; from?: string; to: string; provider?: string }
  | {
      kind: 'setting';
      key: 'concurrency' | 'timeouts.requestMs' | 'timeouts.idleMs' | 'retries';
      from?: number;
      to: number;
    }
  | {
      kind: 'advice';
      key: 'depth' | 'prompt-version' | 'num_ctx' | 'expand-threshold';
      from?: string | number;
      to: string | number;
    };

/** A proposal: the change, the evidence behind it, what it should do and how sure we are (0–1). */
export interface Proposal {
  change: Change;
  evidence: string;
  expected_effect: string;
  confidence: number;
  /** 'statistics' = derived from recorded data; 'meta-analysis' = proposed by the local model and checked. */
  origin: 'statistics' | 'meta-analysis';
}

/** The learning tables with this module's experience and proposal types. */
export type LearningStore = LearningRepo<LearningExperience, Proposal>;
/** An applied change as stored. */
export type LearningExperiment = Experiment<Proposal>;
