import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { openProject, type Project } from '../src/application/project.js';
import { ValidationError } from '../src/errors.js';
import { applyProposals, configSnapshot, history } from '../src/learning/apply.js';
import { learningEngine } from '../src/application/learning.js';
import { prdContext } from '../src/learning/features.js';
import {
  historyLines,
  improveLines,
  proposalLines,
  recommendationLines,
  routingSummary,
} from '../src/learning/format.js';
import { ActionSchema, ContextSchema, LEARNING_TASK_TYPES, OutcomeSchema } from '../src/learning/types.js';
import { readConfigFile } from '../src/config/load.js';
import { LearningRepo } from '../src/storage/learning-repo.js';
import { io, printJson } from './shared/output.js';

const say = (...lines: string[]) => lines.forEach((l) => io.out(l));
const NO_DATA =
  'no experiences recorded yet: run `task-master-local parse-prd` or `task-master-local research "<question>"` a few times (each run is recorded), or add one with `improve record`';

function json<T>(flag: string, text: string | undefined, schema: z.ZodType<T>): T {
  let v: unknown = {};
  try {
    if (text !== undefined) v = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`--${flag}: not JSON (${(e as Error).message})`, {
      hint: `quote it: --${flag} '{"key": 1}'`,
    });
  }
  const r = schema.safeParse(v);
  if (!r.success)
    throw new ValidationError(
      `--${flag}: ${r.error.issues[0]!.path.join('.') || 'value'}: ${r.error.issues[0]!.message}`,
      { hint: 'see docs/improve.md for the fields' },
    );
  return r.data;
}

const TaskType = z.enum(LEARNING_TASK_TYPES, { message: `one of ${LEARNING_TASK_TYPES.join(', ')}` });
function taskType(v: unknown) {
  const r = TaskType.safeParse(v);
  if (!r.success)
    throw new ValidationError(`--task-type: ${r.error.issues[0]!.message}`, { hint: 'e.g. --task-type parse_prd' });
  return r.data;
}

async function withProject<T>(fn: (p: Project) => Promise<T>): Promise<T> {
  const p = openProject({ cwd: process.cwd(), env: process.env });
  try {
    return await fn(p);
  } finally {
    p.close();
  }
}

async function improve(o: { json?: boolean; apply?: boolean; meta?: boolean; set?: string }): Promise<void> {
  await withProject(async (p) => {
    const repo = new LearningRepo(p.db());
    const raw = readConfigFile(p.paths.config).raw;
    if (o.set && !o.apply)
      throw new ValidationError('--set only works with --apply', {
        hint: `task-master-local improve --apply --set ${o.set}`,
      });
    if (o.apply) {
      const pending = o.set ? repo.proposalSet(Number(o.set)) : repo.proposalSet();
      if (o.set && !pending)
        throw new ValidationError(`--set ${o.set}: no such proposal set`, {
          hint: 'run `task-master-local improve` to make one',
        });
      let set = pending && !pending.applied ? pending : undefined;
      if (!set) {
        if (!repo.count())
          return o.json ? printJson({ experiences: 0, applied: [], message: NO_DATA }) : say(`improve: ${NO_DATA}`);
        const r = await learningEngine(p).improve({ meta: o.meta !== false });
        set = {
          id: repo.saveProposals(configSnapshot(raw), r.proposals),
          config: configSnapshot(raw),
          proposals: r.proposals,
          ts: '',
          applied: false,
        };
      }
      const res = await applyProposals(set, {
        repo,
        configPath: p.paths.config,
        backupDir: join(p.paths.taskmasterDir, 'backups'),
        raw,
        trustedHosts: p.config.local.trustedHosts,
        resolveModel: (id) => p.catalog().resolve(id),
      });
      if (o.json) return printJson({ set: set.id, ...res });
      if (!res.applied.length) say(`improve --apply: nothing to apply in proposal set ${set.id}`);
      else
        say(
          `improve --apply: applied ${res.applied.length} change(s) from proposal set ${set.id} (backup ${res.backupPath}):`,
          ...proposalLines(res.applied),
        );
      if (res.advice.length) say('advice (pass as flags; not config settings):', ...proposalLines(res.advice));
      if (res.applied.length) say('the effect is measured on the next runs: see `task-master-local improve history`');
      return;
    }
    if (!repo.count())
      return o.json ? printJson({ experiences: 0, proposals: [], notes: [NO_DATA] }) : say(`improve: ${NO_DATA}`);
    const r = await learningEngine(p).improve({ meta: o.meta !== false });
    const setId = repo.saveProposals(configSnapshot(raw), r.proposals);
    if (o.json) return printJson({ set: setId, ...r });
    say(...improveLines(r, setId));
  });
}

async function record(o: Record<string, unknown>): Promise<void> {
  const type = taskType(o.taskType);
  const outcome = json('outcome', o.outcome as string | undefined, OutcomeSchema);
  const context = json('context', o.context as string | undefined, ContextSchema);
  const action = json('action', o.action as string | undefined, ActionSchema);
  await withProject(async (p) => {
    const r = await learningEngine(p).record({
      taskType: type,
      source: 'manual',
      context,
      action,
      outcome,
    });
    if (o.json) return printJson(r);
    say(`improve record: experience ${r.id} stored (${type})`);
    if (r.note) io.err(`note: ${r.note}`);
  });
}

async function recommend(o: Record<string, unknown>): Promise<void> {
  const type = taskType(o.taskType);
  const context = o.prd
    ? prdContext(readFileSync(String(o.prd), 'utf8'))
    : json('context', o.context as string | undefined, ContextSchema);
  const k = z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .safeParse(o.k ?? 25);
  if (!k.success) throw new ValidationError('-k: a whole number from 1 to 500', { hint: 'e.g. -k 20' });
  await withProject(async (p) => {
    if (!new LearningRepo(p.db()).count(type)) {
      return o.json
        ? printJson({ neighbours: 0, recommendations: [], message: NO_DATA })
        : say(`improve recommend: ${NO_DATA}`);
    }
    const r = await learningEngine(p).getRecommendations(type, context, { k: k.data });
    if (o.json) return printJson({ context, ...r });
    say(...recommendationLines(type, r.neighbours, r.recommendations));
  });
}

/** Registers `improve` and its subcommands. */
export function register(program: Command): void {
  const cmd = program
    .command('improve')
    .description('learn from recorded runs: propose config changes (--apply applies them), recommend, history')
    .option('--apply', 'apply the latest proposals (backup of config.json first; refuses if the config changed since)')
    .option('--set <id>', 'with --apply: apply this proposal set instead of the latest')
    .option('--no-meta', 'skip the meta-analysis by the local model')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => improve(opts));
  cmd
    .command('record')
    .description('add an experience by hand')
    .requiredOption('--task-type <type>', LEARNING_TASK_TYPES.join(' | '))
    .requiredOption('--outcome <json>', 'e.g. {"success": true, "reasks": 1, "latencyMs": 5000}')
    .option('--context <json>', 'e.g. {"prdBytes": 4000, "sections": 6, "domainWords": ["auth"]}')
    .option('--action <json>', 'e.g. {"model": "qwen3:8b", "strategy": "depth2-threshold5"}')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => record(opts));
  cmd
    .command('recommend')
    .description('recommend strategy, model and settings for a context from similar experiences')
    .requiredOption('--task-type <type>', LEARNING_TASK_TYPES.join(' | '))
    .option('--context <json>', 'context features as JSON')
    .option('--prd <file>', 'compute the context features from a PRD file')
    .option('-k <n>', 'number of similar experiences to use', '25')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => recommend(opts));
  cmd
    .command('history')
    .description('applied changes and their measured effect on later runs')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: { json?: boolean }) =>
      withProject(async (p) => {
        const repo = new LearningRepo(p.db());
        const [changes, routing] = [history(repo), routingSummary(repo.routeLog(1000))];
        if (opts.json) printJson({ changes, routing });
        else say(...historyLines(changes, routing));
      }),
    );
}
