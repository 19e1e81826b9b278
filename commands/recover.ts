import type { Command } from 'commander';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import { openOrRepairDb } from '../src/recovery/db-check.js';
import type { RepairResult } from '../src/storage/db-repair.js';
import type { DB } from '../src/storage/db.js';
import { openProject } from '../src/application/project.js';
import { FailureRecoverySystem } from '../src/recovery/system.js';
import { withInterrupt } from './shared/interrupt.js';
import { interactive, io, printJson } from './shared/output.js';
import { failureLine, outcomeLine, runLine, selfTestLines, statusLines } from './views/recover-text.js';

const Options = z
  .object({
    action: z.enum(['status', 'list']).optional(),
    json: z.boolean().optional(),
    run: z.boolean().optional(),
    allowPull: z.boolean().optional(),
    selfTest: z.boolean().optional(),
    id: z.array(z.coerce.number().int().positive()).optional(),
    resolve: z.coerce.number().int().positive().optional(),
  })
  .strict();

async function pullBar() {
  // cli-progress only loads when a pull actually happens.
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    format: 'pull {status} [{bar}] {percentage}%',
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  return {
    onProgress: (e: { type: string; status?: unknown; total?: unknown; completed?: unknown }) => {
      if (e.type !== 'pull') return;
      if (typeof e.total === 'number' && typeof e.completed === 'number') {
        if (!started) bar.start(e.total, 0, { status: e.status });
        started = true;
        bar.setTotal(e.total);
        bar.update(e.completed, { status: e.status });
      }
    },
    stop: () => started && bar.stop(),
  };
}

async function run(action: string | undefined, raw: Record<string, unknown>): Promise<void> {
  const r = Options.safeParse({ ...raw, action });
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ValidationError(
      i.path[0] === 'action' ? `unknown action '${action}'` : `--${String(i.path[0])}: ${i.message}`,
      {
        hint: 'use `recover`, `recover status`, `recover --run`, `recover --self-test` or `recover --resolve <id>`',
      },
    );
  }
  const o = r.data;
  if (o.selfTest) {
    const { runSelfTest } = await import('../src/application/self-test.js');
    const st = await runSelfTest();
    if (o.json) printJson(st);
    else for (const l of selfTestLines(st)) io.out(l);
    if (!st.ok) process.exitCode = 1;
    return;
  }
  const project = openProject({ cwd: process.cwd(), env: process.env });
  try {
    const makeSystem = (d: DB) =>
      new FailureRecoverySystem({
        db: d,
        config: project.config,
        api: async () => {
          try {
            return project.api();
          } catch {
            return undefined;
          }
        },
      });
    let db = o.run ? undefined : project.db();
    let repair: RepairResult | undefined;
    if (!db)
      ({ db, repair } = openOrRepairDb(
        { path: project.config.dbPath, db: () => project.db(), close: () => project.close() },
        makeSystem,
      ));
    if (repair && !o.json)
      for (const st of repair.steps) io.out(`  ${st.ok ? 'ok  ' : 'FAIL'}  ${st.name}: ${st.detail}`);
    const system = makeSystem(db);
    if (o.resolve) {
      if (!system.get(o.resolve))
        throw new ValidationError(`no failure #${o.resolve}`, { hint: 'list them with `task-master-local recover`' });
      const f = system.resolve(o.resolve)!;
      return void (o.json ? printJson(f) : io.out(failureLine(f)));
    }
    if (o.action === 'status') {
      const s = system.status();
      if (o.json) return void printJson(s);
      for (const l of statusLines(s)) io.out(l);
      return;
    }
    if (o.run) {
      const findings = system.detect();
      const bar = interactive(o.json) ? await pullBar() : undefined;
      const { runResumer } = await import('../src/application/resume-runs.js');
      const outcomes = await withInterrupt((signal) =>
        system.recover({
          signal,
          resume: runResumer(project),
          ...(o.id ? { ids: o.id } : {}),
          ...(o.allowPull ? { allowPull: true } : {}),
          ...(bar ? { onProgress: bar.onProgress } : {}),
        }),
      );
      bar?.stop();
      if (o.json)
        printJson({
          repaired: repair,
          detected: findings,
          outcomes: outcomes.map((x) => ({
            ...x.result,
            id: x.failure.id,
            kind: x.failure.kind,
            status: x.failure.status,
            ...(x.run ? { run: x.run } : {}),
            diagnosis: x.failure.diagnosis,
            duration_ms: Math.round(x.durationMs),
          })),
          status: system.status(),
        });
      else {
        for (const f of findings) io.out(`detected: ${f.message}`);
        if (outcomes.length === 0) io.out('no open failures');
        for (const x of outcomes) io.out(outcomeLine(x));
      }
      // Exit 0 once nothing is left open: recovered, or its cause cleared.
      if (outcomes.some((x) => x.failure.status === 'open')) process.exitCode = 1;
      return;
    }
    const list = system.list();
    const runs = system.interruptedRuns();
    if (o.json) return void printJson(list);
    if (list.length === 0) io.out('no failures recorded');
    for (const f of list) io.out(failureLine(f));
    for (const r of runs) io.out(runLine(r));
  } finally {
    project.close();
  }
}

/** `recover [status] [--run [--allow-pull] [--id N…]] [--self-test] [--resolve N] [--json]`. */
export function register(program: Command): void {
  program
    .command('recover')
    .description('list failures, recover them (--run), show recovery status, or run the fault-injection self-test')
    .argument(
      '[action]',
      "'status' for {total_failures, active_failures, recovered, cause_cleared, recovery_rate, mttr_ms, …}",
    )
    .option('--json', 'machine-readable output')
    .option(
      '--run',
      'resume interrupted runs once their cause is gone, and check the cause of every other open failure',
    )
    .option('--allow-pull', 'let --run pull missing Ollama models (or set local.allowPull)')
    .option('--id <n...>', 'only these failure ids (with --run)')
    .option('--resolve <n>', 'mark a failure resolved by hand')
    .option(
      '--self-test',
      'inject faults into real runs (busy server, invalid answer, missing model, interrupted parse-prd, server down) and check how each ends',
    )
    .action(run);
}
