import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  hint?: string;
  ms: number;
}

/** `health --full`: per-check results, success rate over the checks that ran, and an overall status. */
export interface ValidationReport {
  overall: 'healthy' | 'degraded' | 'unhealthy';
  success_rate: number;
  run: number;
  passed: number;
  failed: number;
  skipped: number;
  total_ms: number;
  checks: ValidationCheck[];
}

/** Options of runValidation. */
export interface ValidationOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  callTimeoutMs?: number;
}

class Skip extends Error {}

// A module that is not installed is reported as skipped, never as passed.
async function load<T>(importer: () => Promise<T>, what: string): Promise<T> {
  try {
    return await importer();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') throw new Skip(`${what} is not installed`);
    throw e;
  }
}

const TINY_PRD = `# Tiny app\n\n## Login\nUsers sign in with an email and a password.\n\n## Notes\nUsers write short notes and list them.\n`;

/**
 * The validation suite: end-to-end checks of every module against the configured models — health,
 * the model API, parse-prd on a tiny PRD, research add + query, optimize on a tiny spec, and the
 * recovery self-test. Module checks run in a temp copy of the project (same config, its own DB and
 * tasks.json), so the user's files are never touched.
 */
export async function runValidation(o: ValidationOptions): Promise<ValidationReport> {
  const env = o.env ?? process.env;
  const t00 = performance.now();
  const checks: ValidationCheck[] = [];
  const config = loadConfig({ cwd: o.cwd, env });
  const dir = mkdtempSync(join(tmpdir(), 'tml-validate-'));
  mkdirSync(join(dir, '.taskmaster', 'docs'), { recursive: true });
  writeFileSync(join(dir, '.taskmaster', 'config.json'), JSON.stringify(config.raw, null, 2));
  // The copy must use its own DB even when TASKMASTER_LOCAL_DB points at the user's.
  const tmpEnv = { ...env, TASKMASTER_LOCAL_DB: join(dir, '.taskmaster', 'local.db') };
  const project = openProject({ cwd: dir, env: tmpEnv });

  const check = async (name: string, fn: () => Promise<string>) => {
    const t0 = performance.now();
    try {
      checks.push({ name, status: 'pass', detail: await fn(), ms: Math.round(performance.now() - t0) });
    } catch (e) {
      const skip = e instanceof Skip;
      checks.push({
        name,
        status: skip ? 'skip' : 'fail',
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
      return `${count('pass')} checks passed, ${count('warn')} warning(s), ${count('skip')} skipped`;
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
      const { parsePrd } = await load(() => import('../prd/run.js'), 'parse-prd');
      const { PrdRepo } = await load(() => import('../storage/prd-repo.js'), 'parse-prd');
      const out = await parsePrd(
        {
          prd: TINY_PRD,
          prdPath: join(dir, 'prd.md'),
          tasksPath: project.paths.tasks,
          tag: 'master',
          mode: 'create',
          dryRun: false,
          options: {
            numTasks: 0,
            maxDepth: 1,
            concurrency: 1,
            requireModel: true,
            noCache: true,
            resume: false,
            complexityThreshold: 11,
          },
        },
        { api: project.api(), repo: new PrdRepo(project.db()) },
      );
      if (out.tasks.length === 0) throw new Error('no tasks were produced');
      return `${out.tasks.length} task(s) written to a temp tasks.json`;
    });
    await check('research', async () => {
      const { openResearch } = await load(() => import('./open-research.js'), 'research');
      const rag = openResearch(project);
      await rag.addExternalKnowledge({
        title: 'Validation note',
        content: 'The validation suite stores notes about SQLite write-ahead logging and local models.',
      });
      const a = await rag.researchQuery('What does the validation suite store notes about?', { k: 3 });
      if (a.passages.length === 0) throw new Error('the query found no passages');
      return `${a.passages.length} passage(s) retrieved with ${a.embedder.model}`;
    });
    await check('optimize', async () => {
      const { optimize } = await load(() => import('../optimize/index.js'), 'optimize');
      const r = await optimize(
        { x: 0.5 },
        { x: { type: 'float', min: 0, max: 1 } },
        {
          fitness: (g) => -((Number(g.x) - 0.3) ** 2),
          config: { populationSize: 8, maxGenerations: 5, seed: 7 },
        },
      );
      const best = Number(r.best?.genome.x);
      if (!Number.isFinite(best) || Math.abs(best - 0.3) > 0.2)
        throw new Error(`optimizer ended far from the optimum (x=${best})`);
      return `best x=${best.toFixed(3)} (optimum 0.3)`;
    });
    await check('recovery self-test', async () => {
      const { runSelfTest } = await load(() => import('../recovery/self-test/run.js'), 'recovery');
      const st = await runSelfTest({ openProject });
      if (!st.ok)
        throw new Error(
          st.cases
            .filter((c) => !c.detected || !c.recovered)
            .map((c) => `${c.name}: ${c.detail}`)
            .join('; '),
        );
      return `${st.cases.length} injected faults detected and recovered`;
    });
  } finally {
    project.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const ran = checks.filter((c) => c.status !== 'skip');
  const passed = ran.filter((c) => c.status === 'pass').length;
  const modelOk = checks.find((c) => c.name === 'model API')?.status === 'pass';
  return {
    overall: passed === ran.length ? 'healthy' : modelOk ? 'degraded' : 'unhealthy',
    success_rate: ran.length ? Math.round((passed / ran.length) * 10000) / 10000 : 0,
    run: ran.length,
    passed,
    failed: ran.length - passed,
    skipped: checks.length - ran.length,
    total_ms: Math.round(performance.now() - t00),
    checks,
  };
}
