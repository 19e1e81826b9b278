import type { Command } from 'commander';
import { z } from 'zod';
import { improveApplyUseCase } from '../src/application/improve-apply.js';
import { improveHistoryUseCase } from '../src/application/improve-history.js';
import { improveProposeUseCase } from '../src/application/improve-propose.js';
import { improveRecommendUseCase } from '../src/application/improve-recommend.js';
import { improveRecordUseCase } from '../src/application/improve-record.js';
import { ValidationError } from '../src/errors.js';
import { historyLines, improveLines, recommendationLines } from '../src/learning/format.js';
import {
  ActionSchema,
  ContextSchema,
  LEARNING_TASK_TYPES,
  OutcomeSchema,
  learningTaskTypesText,
  parseLearningTaskType,
} from '../src/learning/types.js';
import { intFlag, jsonFlag, MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { io, printJson } from './shared/output.js';
import { withProject } from './shared/project.js';
import { applyLines, NO_DATA } from './views/improve-text.js';

const say = (...lines: string[]) => lines.forEach((l) => io.out(l));
const Common = z.object({ json: z.boolean().default(false), mode: modeFlag });
const TaskType = z
  .string()
  .refine((v) => parseLearningTaskType(v) !== undefined, { error: `must be one of ${learningTaskTypesText()}` });
const Improve = Common.extend({
  apply: z.boolean().default(false),
  probe: z.boolean().default(false),
  meta: z.boolean().default(true),
  set: intFlag(1).optional(),
});
const RecordOptions = Common.extend({
  taskType: TaskType,
  outcome: jsonFlag(OutcomeSchema),
  context: jsonFlag(ContextSchema).optional(),
  action: jsonFlag(ActionSchema).optional(),
});
const Recommend = Common.extend({
  taskType: TaskType,
  context: jsonFlag(ContextSchema).optional(),
  prd: z.string().min(1).optional(),
  k: intFlag(1, 500).default(25),
});

async function improve(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Improve, raw, 'improve');
  if (o.set !== undefined && !o.apply)
    throw new ValidationError('--set only works with --apply', {
      hint: `task-master-local improve --apply --set ${o.set}`,
    });
  await withProject(o, async (p) => {
    if (o.apply) {
      const r = await withInterrupt((signal) => improveApplyUseCase(p, { set: o.set, meta: o.meta }, { signal }));
      if (!('set' in r))
        return o.json ? printJson({ experiences: 0, applied: [], message: NO_DATA }) : say(`improve: ${NO_DATA}`);
      return o.json ? printJson(r) : say(...applyLines(r));
    }
    const onNote = (n: string) => (o.json ? undefined : say(n));
    const r = await withInterrupt((signal) =>
      improveProposeUseCase(p, { meta: o.meta, probe: o.probe }, { signal, onNote }),
    );
    if (r.set === undefined)
      return o.json ? printJson({ experiences: 0, proposals: [], notes: [NO_DATA] }) : say(`improve: ${NO_DATA}`);
    const { set, advice, ...rest } = r;
    if (o.json) return printJson({ set, ...rest, ...(advice ? { advice } : {}) });
    say(...improveLines(rest, set));
    if (advice) say(advice);
  });
}

async function record(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(RecordOptions, raw, 'improve record');
  await withProject(o, async (p) => {
    const r = await improveRecordUseCase(p, o);
    if (o.json) return printJson(r);
    const as = r.taskType === o.taskType ? r.taskType : `${o.taskType} → ${r.taskType}`;
    say(`improve record: experience ${r.id} stored (${as})`);
    if (r.note) io.err(`note: ${r.note}`);
  });
}

async function recommend(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Recommend, raw, 'improve recommend');
  await withProject(o, async (p) => {
    const taskType = parseLearningTaskType(o.taskType)!.type;
    const r = await improveRecommendUseCase(p, {
      taskType,
      k: o.k,
      cwd: process.cwd(),
      ...(o.context ? { context: o.context } : {}),
      ...(o.prd ? { prdPath: o.prd } : {}),
    });
    if (!r.neighbours)
      return o.json
        ? printJson({ neighbours: 0, recommendations: [], message: NO_DATA })
        : say(`improve recommend: ${NO_DATA}`);
    o.json ? printJson(r) : say(...recommendationLines(taskType, r.neighbours, r.recommendations));
  });
}

/** Registers `improve` and its subcommands. */
export function register(program: Command): void {
  const types = `${LEARNING_TASK_TYPES.join(' | ')} (or the specification's: task_decomposition, research, optimization, diagnosis, …)`;
  const cmd = program
    .command('improve')
    .description('learn from recorded runs: propose config changes (--apply applies them), recommend, history')
    .option('--apply', 'apply the latest proposals (backup of config.json first; refuses if the config changed since)')
    .option('--set <id>', 'with --apply: apply this proposal set instead of the latest')
    .option('--no-meta', 'skip the meta-analysis by the local model')
    .option(
      '--probe',
      "first measure the main role's model and its candidates on optimize --target models' validation workload",
    )
    .option('--mode <mode>', MODE_HELP)
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => improve(opts));
  cmd
    .command('record')
    .description('add an experience by hand')
    .requiredOption('--task-type <type>', types)
    .requiredOption('--outcome <json>', 'e.g. {"success": true, "reasks": 1, "latencyMs": 5000}')
    .option('--context <json>', 'e.g. {"prdBytes": 4000, "sections": 6, "domainWords": ["auth"]}')
    .option('--action <json>', 'e.g. {"model": "qwen3:8b", "strategy": "depth2-threshold5"}')
    .option('--mode <mode>', MODE_HELP)
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => record(opts));
  cmd
    .command('recommend')
    .description('recommend strategy, model and settings for a context from similar experiences')
    .requiredOption('--task-type <type>', types)
    .option('--context <json>', 'context features as JSON')
    .option('--prd <file>', 'compute the context features from a PRD file')
    .option('-k <n>', 'number of similar experiences to use', '25')
    .option('--mode <mode>', MODE_HELP)
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => recommend(opts));
  cmd
    .command('history')
    .description('applied changes and their measured effect on later runs')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: { json?: boolean }) =>
      withProject({}, async (p) => {
        const h = improveHistoryUseCase(p);
        opts.json ? printJson(h) : say(...historyLines(h.changes, h.routing));
      }),
    );
}
