import type { Command } from 'commander';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import { openOrRepairDb } from '../src/recovery/db-check.js';
import type { RepairResult } from '../src/recovery/db-repair.js';
import type { DB } from '../src/storage/db.js';
import { openProject } from '../src/application/project.js';
import { diagnoseByRules } from '../src/diagnostics/diagnose.js';
import { FailureRecoverySystem } from '../src/recovery/system.js';
import type { FailureRecord } from '../src/recovery/types.js';
import { interactive, io, printJson } from './shared/output.js';

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

function line(f: FailureRecord): string {
  const when = new Date(f.lastSeenMs).toISOString().replace('T', ' ').slice(0, 19);
  const where = [f.context.component, f.context.model, f.context.endpoint].filter(Boolean).join(' ');
  const head = `#${f.id}  ${f.status.padEnd(9)} ${f.type}/${f.kind}  ${f.severity}  x${f.count}  ${when}  ${where}\n     ${f.message}`;
  // Rules are cheap and need no model, so even failures never run through --run show their fix.
  const d = f.diagnosis ?? diagnoseByRules({ ...f, status: undefined });
  return (
    head +
    (d ? `\n     cause: ${d.probableCause}${d.fix ? `\n     fix: ${d.fix}` : ''}` : '') +
    (f.resolution ? `\n     resolution: ${f.resolution}` : '')
  );
}

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
    const { runSelfTest } = await import('../src/recovery/self-test/run.js');
    const st = await runSelfTest({ openProject });
    if (o.json) printJson(st);
    else {
      for (const c of st.cases) {
        io.out(
          `  ${c.detected && c.recovered ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detected ? `detected as ${c.kind}` : 'NOT detected'}, ${c.recovered ? `recovered by ${c.strategy}` : 'NOT recovered'} (${c.ms} ms) — ${c.detail}`,
        );
      }
      io.out(st.ok ? 'self-test passed' : 'self-test FAILED');
    }
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
      return void (o.json ? printJson(f) : io.out(line(f)));
    }
    if (o.action === 'status') {
      const s = system.status();
      if (o.json) return void printJson(s);
      io.out(
        `failures: ${s.total_failures} total, ${s.active_failures} active, ${s.recovered} recovered; recovery rate ${Math.round(s.recovery_rate * 100)}%; MTTR ${s.mttr_ms === null ? '-' : `${Math.round(s.mttr_ms)} ms`}`,
      );
      for (const [t, v] of Object.entries(s.by_type))
        io.out(`  ${t}: ${v.total} total, ${v.active} active, ${v.recovered} recovered`);
      return;
    }
    if (o.run) {
      const findings = system.detect();
      const bar = interactive(o.json) ? await pullBar() : undefined;
      const outcomes = await system.recover({
        ...(o.id ? { ids: o.id } : {}),
        ...(o.allowPull ? { allowPull: true } : {}),
        ...(bar ? { onProgress: bar.onProgress } : {}),
      });
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
            diagnosis: x.failure.diagnosis,
            duration_ms: Math.round(x.durationMs),
          })),
          status: system.status(),
        });
      else {
        for (const f of findings) io.out(`detected: ${f.message}`);
        if (outcomes.length === 0) io.out('no open failures');
        for (const x of outcomes)
          io.out(
            `#${x.failure.id} ${x.failure.kind}: ${x.result.strategy} → ${x.result.outcome} — ${x.result.detail}${x.result.outcome !== 'success' && x.failure.diagnosis?.fix ? `\n     fix: ${x.failure.diagnosis.fix}` : ''}`,
          );
      }
      if (outcomes.some((x) => x.result.outcome !== 'success')) process.exitCode = 1;
      return;
    }
    const list = system.list();
    if (o.json) return void printJson(list);
    if (list.length === 0) return void io.out('no failures recorded');
    for (const f of list) io.out(line(f));
  } finally {
    project.close();
  }
}

/** `recover [status] [--run [--allow-pull] [--id N…]] [--self-test] [--resolve N] [--json]`. */
export function register(program: Command): void {
  program
    .command('recover')
    .description('list failures, recover them (--run), show recovery status, or run the fault-injection self-test')
    .argument('[action]', "'status' for {total_failures, active_failures, recovered, recovery_rate, mttr_ms, by_type}")
    .option('--json', 'machine-readable output')
    .option('--run', 'detect problems in the metrics, then diagnose and recover every open failure')
    .option('--allow-pull', 'let --run pull missing Ollama models (or set local.allowPull)')
    .option('--id <n...>', 'only these failure ids (with --run)')
    .option('--resolve <n>', 'mark a failure resolved by hand')
    .option(
      '--self-test',
      'inject faults (unreachable endpoint, invalid answer, locked DB) and check each is recovered',
    )
    .action(run);
}
