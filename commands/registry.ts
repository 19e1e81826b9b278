import type { Command } from 'commander';

/** A subcommand, loaded only when invoked so that --help and health stay fast. */
export interface CommandEntry {
  name: string;
  description: string;
  load: () => Promise<{ register: (program: Command) => void }>;
  /** task-master's multi-letter short flags (`-cr`), which commander cannot declare: rewritten to the long flag. */
  legacyFlags?: Record<string, string>;
}

/** Every subcommand we implement. Anything else is forwarded to task-master. */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'models',
    description: 'show and set model roles, mode and aliases; list models on local servers',
    load: () => import('./models.js'),
  },
  {
    name: 'optimize',
    description: 'evolve configurations against a fitness command, a local-model judge, or model settings',
    load: () => import('./optimize.js'),
  },
  {
    name: 'parse-prd',
    description: "turn a PRD into a task tree in task-master's tasks.json using local models",
    load: () => import('./parse-prd.js'),
  },
  {
    name: 'research',
    description: 'local RAG: add documents, hybrid search, cited answers with confidence, research loops',
    load: () => import('./research.js'),
  },
  {
    name: 'health',
    description: 'check servers, models, structured output, embeddings and the database; --full, --privacy, --stats',
    load: () => import('./health.js'),
  },
  {
    name: 'improve',
    description: 'learn from recorded runs: propose and apply config changes, recommend strategies, history',
    load: () => import('./improve.js'),
  },
  {
    name: 'expand',
    description: 'break tasks into subtasks with local models (--id <id> | --all), as task-master expand',
    load: () => import('./expand.js'),
    legacyFlags: { '-cr': '--complexity-report' },
  },
  {
    name: 'analyze-complexity',
    description: "score tasks' complexity with local models into task-master's complexity report",
    load: () => import('./analyze-complexity.js'),
  },
  {
    name: 'complexity-report',
    description: "display task-master's complexity report (--json for scripts)",
    load: () => import('./complexity-report.js'),
  },
  {
    name: 'recover',
    description: 'list, diagnose and recover failures; recover status; fault-injection self-test',
    load: () => import('./recover.js'),
  },
  {
    name: 'finetune',
    description: 'datasets from the project history, per-project prompts, LoRA adapters, evaluation against the base',
    load: () => import('./finetune.js'),
  },
  {
    name: 'add-task',
    description: 'add a task: written by a local model from -p, or by hand with -t/-d',
    load: () => import('./add-task.js'),
  },
  {
    name: 'update-task',
    description: 'rewrite one task for a change (--append: a timestamped note instead)',
    load: () => import('./update-task.js'),
  },
  {
    name: 'update-subtask',
    description: "append a timestamped note to a subtask's details",
    load: () => import('./update-subtask.js'),
  },
  {
    name: 'update',
    description: 'rewrite every unfinished task from --from on for a change',
    load: () => import('./update.js'),
  },
  {
    name: 'scope-up',
    description: 'rewrite tasks to a larger scope (-s light|regular|heavy)',
    load: () => import('./scope-up.js'),
  },
  {
    name: 'scope-down',
    description: 'rewrite tasks to a smaller scope (-s light|regular|heavy)',
    load: () => import('./scope-down.js'),
  },
];
