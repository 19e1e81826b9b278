import type { Command } from 'commander';
import { z } from 'zod';
import { openProject } from '../src/application/project.js';
import {
  recoverListUseCase,
  recoverResolveUseCase,
  recoverRunUseCase,
  recoverStatusUseCase,
} from '../src/application/recover.js';
import { MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
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
    mode: modeFlag,
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
  const o = parseFlags(Options, { ...raw, action }, { command: 'recover', positional: ['action'] });
  if (o.selfTest) {
    const { runSelfTest } = await import('../src/application/self-test.js');
    const st = await runSelfTest();
    if (o.json) printJson(st);
    else for (const l of selfTestLines(st)) io.out(l);
    if (!st.ok) process.exitCode = 1;
    return;
  }
  const project = openProject({ cwd: process.cwd(), env: process.env, flags: o.mode ? { mode: o.mode } : {} });
  try {
    if (o.resolve) {
      const f = recoverResolveUseCase(project, { id: o.resolve });
      return void (o.json ? printJson(f) : io.out(failureLine(f)));
    }
    if (o.action === 'status') {
      const s = recoverStatusUseCase(project);
      if (o.json) return void printJson(s);
      for (const l of statusLines(s)) io.out(l);
      return;
    }
    if (o.run) {
      const bar = interactive(o.json) ? await pullBar() : undefined;
      const r = await withInterrupt((signal) =>
        recoverRunUseCase(
          project,
          { ...(o.id ? { ids: o.id } : {}), ...(o.allowPull ? { allowPull: true } : {}) },
          { signal, ...(bar ? { onProgress: bar.onProgress } : {}) },
        ),
      ).finally(() => bar?.stop());
      if (o.json)
        printJson({
          repaired: r.repair,
          detected: r.detected,
          outcomes: r.outcomes.map((x) => ({
            ...x.result,
            id: x.failure.id,
            kind: x.failure.kind,
            status: x.failure.status,
            ...(x.run ? { run: x.run } : {}),
            diagnosis: x.failure.diagnosis,
            duration_ms: Math.round(x.durationMs),
          })),
          status: r.status,
        });
      else {
        for (const st of r.repair?.steps ?? []) io.out(`  ${st.ok ? 'ok  ' : 'FAIL'}  ${st.name}: ${st.detail}`);
        for (const f of r.detected) io.out(`detected: ${f.message}`);
        if (r.outcomes.length === 0) io.out('no open failures');
        for (const x of r.outcomes) io.out(outcomeLine(x));
      }
      // Exit 0 once nothing is left open: recovered, or its cause cleared.
      if (r.outcomes.some((x) => x.failure.status === 'open')) process.exitCode = 1;
      return;
    }
    const { failures, runs } = recoverListUseCase(project);
    if (o.json) return void printJson(failures);
    if (failures.length === 0) io.out('no failures recorded');
    for (const f of failures) io.out(failureLine(f));
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
    .option('--mode <mode>', MODE_HELP)
    .option('--allow-pull', 'let --run pull missing Ollama models (or set local.allowPull)')
    .option('--id <n...>', 'only these failure ids (with --run)')
    .option('--resolve <n>', 'mark a failure resolved by hand')
    .option(
      '--self-test',
      'inject faults into real runs (busy server, invalid answer, missing model, interrupted parse-prd, server down) and check how each ends',
    )
    .action(run);
}
