import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoundTripSchema } from '../monitor/probes.js';
import { startFaultServer, type FaultServer } from '../recovery/fault-server.js';
import { FailureRecoverySystem } from '../recovery/system.js';
import type { FailureStatus, RecoveryStatus } from '../recovery/types.js';
import { parsePrdUseCase } from './parse-prd.js';
import { openProject, type Project } from './project.js';
import { recoverRunUseCase, recoverStatusUseCase } from './recover.js';

/** One injected fault: how it was classified and how it ended, against what an honest count expects. */
export interface SelfTestCase {
  name: string;
  /** recovered = the failed operation succeeded afterwards; cause_cleared = only a probe could follow. */
  expected: 'recovered' | 'cause_cleared';
  /** What must have recovered it (retry, reask, fallback, resume), when it must be recovered. */
  expectedBy?: string;
  kind?: string;
  status?: FailureStatus;
  by?: string;
  ok: boolean;
  detail: string;
  ms: number;
}

/** `recover --self-test`. */
export interface SelfTestResult {
  ok: boolean;
  cases: SelfTestCase[];
  /** The self-test's own figures: `recovered` counts only the replayed successes. */
  status: RecoveryStatus;
}

const MAIN = 'self-test-main:latest';
const FALLBACK = 'self-test-fallback:latest';
const PRD = '# Self-test\n\n## Sign in\nUsers sign in with a password.\n\n## Notes\nUsers write and list notes.\n';

/**
 * Injects faults into the paths real runs take — the model API with the recovery hook, the
 * parse-prd use case, and `recover --run`'s use case with the resumer — in a temp project with its own
 * database and a loopback server it owns: a 503 (the model API's retry answers the same request),
 * broken JSON (its re-ask), a missing main model (the fallback model answers), a parse-prd run whose
 * server starts failing mid-run (interrupted, then resumed from its checkpoint by `recover`), and a
 * server down for one request (only a probe can follow it: cause cleared, never recovered). Each
 * case passes when it ends as an honest count expects. The project's own history is never touched.
 */
export async function runSelfTest(o: { backoffMs?: number } = {}): Promise<SelfTestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tml-selftest-'));
  let server: FaultServer = await startFaultServer({ models: [MAIN, FALLBACK] });
  const root = join(dir, 'project');
  mkdirSync(join(root, '.taskmaster'), { recursive: true });
  writeFileSync(
    join(root, '.taskmaster', 'config.json'),
    JSON.stringify({
      models: { main: { provider: 'ollama', modelId: MAIN }, fallback: { provider: 'ollama', modelId: FALLBACK } },
      local: { mode: 'LOCAL_ONLY', discover: ['ollama'], retries: 1, cache: false },
    }),
  );
  const env = { OLLAMA_HOST: server.url, TASKMASTER_LOCAL_DB: join(dir, 'local.db') };
  // A fresh project is a fresh process: `recover --run` does not inherit a run's open circuit breakers.
  const open = () => openProject({ cwd: root, env, backoffMs: o.backoffMs ?? 20 });
  let project: Project = open();
  const system = () => new FailureRecoverySystem({ db: project.db(), config: project.config });
  const ask = (component: string) =>
    project.api().generateObject(
      {
        type: 'GENERAL',
        component,
        noCache: true,
        messages: [{ role: 'user', content: 'Self-test: answer with healthy=true and word="ready".' }],
      },
      RoundTripSchema,
    );
  const cases: SelfTestCase[] = [];
  const run = async (
    c: Pick<SelfTestCase, 'name' | 'expected' | 'expectedBy'>,
    component: string,
    fn: () => Promise<string>,
  ) => {
    const t0 = performance.now();
    const detail = await fn().catch((e: Error) => e.message);
    const f = system()
      .list()
      .find((x) => x.context.component === component);
    const by =
      f &&
      system()
        .attempts(f.id)
        .findLast((a) => a.verdict === f.status)?.strategy;
    cases.push({
      ...c,
      ...(f ? { kind: f.kind, status: f.status } : {}),
      ...(by ? { by } : {}),
      ok: f?.status === c.expected && (!c.expectedBy || by === c.expectedBy),
      detail: f ? detail : `no failure was recorded (${detail})`,
      ms: Math.round(performance.now() - t0),
    });
  };
  const answered = async (component: string) => {
    const a = await ask(component);
    return `answered by ${a.model.alias} after ${a.attempts.length} attempt(s)`;
  };
  try {
    await run({ name: 'server busy, retried', expected: 'recovered', expectedBy: 'retry' }, 'self-test-retry', () => {
      server.queue({ status: 503, message: 'server busy, please try again.  maximum pending requests exceeded' });
      return answered('self-test-retry');
    });
    await run(
      { name: 'invalid answer, re-asked', expected: 'recovered', expectedBy: 'reask' },
      'self-test-reask',
      () => {
        server.queue('invalid');
        return answered('self-test-reask');
      },
    );
    await run(
      { name: 'main model missing, fallback', expected: 'recovered', expectedBy: 'fallback' },
      'self-test-fallback',
      () => {
        server.missing(MAIN);
        return answered('self-test-fallback').finally(() => server.heal());
      },
    );
    await run(
      { name: 'parse-prd interrupted, resumed', expected: 'recovered', expectedBy: 'resume' },
      'prd',
      async () => {
        // The server answers the first chat (checkpointed), then fails every chat until it heals.
        server.failAfter(server.chats + 1, 500);
        const opts = { prd: PRD, maxDepth: 2, complexityThreshold: 1, concurrency: 1, requireModel: true };
        const failed = await parsePrdUseCase(project, opts).then(
          () => false,
          () => true,
        );
        if (!failed) return 'the run did not fail';
        server.heal();
        project.close();
        project = open();
        const { outcomes } = await recoverRunUseCase(project);
        return outcomes.find((x) => x.run)?.result.detail ?? 'recover resumed nothing';
      },
    );
    await run({ name: 'server down, probe only', expected: 'cause_cleared' }, 'self-test-down', async () => {
      const port = server.port;
      await server.close();
      await ask('self-test-down').catch(() => undefined);
      server = await startFaultServer({ models: [MAIN, FALLBACK], port });
      project.close();
      project = open();
      const { outcomes } = await recoverRunUseCase(project);
      const out = outcomes.find((x) => x.failure.context.component === 'self-test-down');
      return out
        ? `${out.result.strategy}: ${out.result.detail} (not a replay: cause cleared)`
        : 'recover checked nothing';
    });
    return { ok: cases.every((c) => c.ok), cases, status: recoverStatusUseCase(project) };
  } finally {
    project.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
