import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { AppError, isAppError } from '../errors.js';
import { runHealth } from '../monitor/health.js';
import { RoundTripSchema } from '../monitor/probes.js';
import { openProject } from './project.js';

/** One end-to-end check of the validation suite. */
export interface ValidationCheck {
  name: string;
  status: 'pass' | 'fail';
  detail: string;
  hint?: string;
  ms: number;
}

/** `health --full`: per-check results, the success rate over the checks, and an overall status. */
export interface ValidationReport {
  overall: 'healthy' | 'degraded' | 'unhealthy';
  success_rate: number;
  run: number;
  passed: number;
  failed: number;
  total_ms: number;
  checks: ValidationCheck[];
  /** The specification's summary: success rate and overall status under its names. */
  testSummary: {
    successRate: number;
    overallStatus: ValidationReport['overall'];
    total: number;
    passed: number;
    failed: number;
  };
}

/** Options of runValidation. */
export interface ValidationOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  callTimeoutMs?: number;
}

// Each check loads its modules on its own: one that cannot be loaded (a broken install) fails its
// check, and only its check.
async function load<T>(importer: () => Promise<T>, what: string): Promise<T> {
  try {
    return await importer();
  } catch (e) {
    throw new AppError('INTERNAL', `the ${what} module failed to load: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'reinstall task-master-local (`npm install`), then rerun `task-master-local health --full`',
      cause: e,
    });
  }
}

const TINY_PRD = `# Tiny app\n\n## Login\nUsers sign in with an email and a password.\n\n## Notes\nUsers write short notes and list them.\n`;
const NOTE =
  'The validation suite stores notes about SQLite write-ahead logging: readers continue while a writer commits.';

/**
 * The validation suite: end-to-end checks of every module against the configured models, each of
 * which fails when its module does not work here — health, the model API, parse-prd on a tiny PRD
 * (through the same use case as the CLI, a model required), research add + a question answered by
 * a model, optimize with the local model as the fitness judge, and the recovery self-test. Module
 * checks run in a temp copy of the project (same config, its own DB and tasks.json), each with the
 * project opened afresh, so the user's files are never touched.
 */
export async function runValidation(o: ValidationOptions = { cwd: process.cwd() }): Promise<ValidationReport> {
  const env = o.env ?? process.env;
  const t00 = performance.now();
  const checks: ValidationCheck[] = [];
  const config = loadConfig({ cwd: o.cwd, env });
  const dir = mkdtempSync(join(tmpdir(), 'tml-validate-'));
  mkdirSync(join(dir, '.taskmaster', 'docs'), { recursive: true });
  writeFileSync(join(dir, '.taskmaster', 'config.json'), JSON.stringify(config.raw, null, 2));
  // The copy must use its own DB even when TASKMASTER_LOCAL_DB points at the user's.
  const tmpEnv = { ...env, TASKMASTER_LOCAL_DB: join(dir, '.taskmaster', 'local.db') };
  let project = openProject({ cwd: dir, env: tmpEnv });

  const check = async (name: string, fn: () => Promise<string>) => {
    const t0 = performance.now();
    // Each check gets the project afresh, as a new command would: one check's failures (an open
    // circuit breaker) must not fail the next.
    project.close();
    project = openProject({ cwd: dir, env: tmpEnv });
    try {
      checks.push({ name, status: 'pass', detail: await fn(), ms: Math.round(performance.now() - t0) });
    } catch (e) {
      checks.push({
        name,
        status: 'fail',
        detail: (e as Error).message,
        ...(isAppError(e) && e.hint ? { hint: e.hint } : {}),
        ms: Math.round(performance.now() - t0),
      });
    }
  };
  try {
    await check('health', async () => {
      const h = await runHealth({ cwd: o.cwd, env, ...(o.callTimeoutMs ? { callTimeoutMs: o.callTimeoutMs } : {}) });
      const bad = h.checks.filter((c) => c.status === 'fail');
      if (bad.length)
        throw new AppError('INTERNAL', bad.map((c) => `${c.name}: ${c.detail}`).join('; '), {
          hint: bad.find((c) => c.hint)?.hint ?? 'run `task-master-local health` for details',
        });
      const count = (st: string) => h.checks.filter((c) => c.status === st).length;
      return `${count('pass')} checks passed, ${count('warn')} warning(s), ${count('skip')} not applicable`;
    });
    await check('model API', async () => {
      const a = await project.api().generateObject(
        {
          type: 'GENERAL',
          component: 'validation',
          noCache: true,
          messages: [{ role: 'user', content: 'Validation: answer with healthy=true and word="ready".' }],
        },
        RoundTripSchema,
      );
      return `${a.model.alias} answered schema-valid JSON (${a.attempts.length} attempt(s))`;
    });
    await check('parse-prd', async () => {
      const { parsePrdUseCase } = await load(() => import('./parse-prd.js'), 'parse-prd');
      const out = await parsePrdUseCase(project, {
        prd: TINY_PRD,
        maxDepth: 1,
        concurrency: 1,
        requireModel: true,
        noCache: true,
        complexityThreshold: 10,
      });
      if (out.tasks.length === 0) throw new Error('no tasks were produced');
      return `${out.tasks.length} task(s) from ${out.summary.models.join(', ')} written to a temp tasks.json`;
    });
    await check('research', async () => {
      const { openResearch } = await load(() => import('./open-research.js'), 'research');
      const rag = openResearch(project);
      await rag.addExternalKnowledge({ title: 'Validation note', content: NOTE });
      const a = await rag.researchQuery('What does write-ahead logging let readers do?', { k: 3 });
      if (a.passages.length === 0) throw new Error('the question found no passage of the note just added');
      if (!a.model)
        throw new AppError(
          'NO_MODEL_AVAILABLE',
          `no model answered the question (${a.notes.join('; ') || 'extractive answer'})`,
          {
            hint: 'run `task-master-local health` to see which model is missing',
          },
        );
      return `${a.passages.length} passage(s) retrieved with ${a.embedder.model}; answered by ${a.model}`;
    });
    await check('optimize', async () => {
      const { optimize, LocalLLMFitnessEvaluator } = await load(() => import('../optimize/index.js'), 'optimize');
      const ranges = { batch_size: { type: 'int' as const, min: 1, max: 64 } };
      const judge = new LocalLLMFitnessEvaluator(project.api(), {
        evaluationCriteria: 'throughput of a local embedding job',
        optimizationGoal: 'pick a batch size for embedding 10,000 short passages on a laptop',
        ranges,
        concurrency: 1,
      });
      const r = await optimize({ batch_size: 32 }, ranges, {
        fitness: { evaluator: judge.evaluator() },
        config: { populationSize: 4, maxGenerations: 2, seed: 7 },
      });
      if (r.failures > 0 || !r.best)
        throw new Error(`the local model failed to judge ${r.failures} of ${r.evaluations} configuration(s)`);
      return `${r.evaluations} configuration(s) judged by the local model; best fitness ${r.best.fitness.toFixed(2)}`;
    });
    await check('recovery self-test', async () => {
      const { runSelfTest } = await load(() => import('./self-test.js'), 'recovery self-test');
      const st = await runSelfTest();
      if (!st.ok)
        throw new Error(
          st.cases
            .filter((c) => !c.ok)
            .map((c) => `${c.name}: ended ${c.status ?? 'unrecorded'}, expected ${c.expected} (${c.detail})`)
            .join('; '),
        );
      return `${st.cases.length} injected faults ended as expected (${st.status.recovered} recovered by a replay, ${st.status.cause_cleared} cause cleared by a probe)`;
    });
  } finally {
    project.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const passed = checks.filter((c) => c.status === 'pass').length;
  const modelOk = checks.find((c) => c.name === 'model API')?.status === 'pass';
  const overall = passed === checks.length ? 'healthy' : modelOk ? 'degraded' : 'unhealthy';
  const successRate = Math.round((passed / checks.length) * 10000) / 10000;
  return {
    overall,
    success_rate: successRate,
    testSummary: { successRate, overallStatus: overall, total: checks.length, passed, failed: checks.length - passed },
    run: checks.length,
    passed,
    failed: checks.length - passed,
    total_ms: Math.round(performance.now() - t00),
    checks,
  };
}
