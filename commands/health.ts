import type { Command } from 'commander';
import { z } from 'zod';
import { healthUseCase } from '../src/application/health.js';
import { ValidationError } from '../src/errors.js';
import { intFlag, MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
import { io, printJson } from './shared/output.js';
import { renderChecks } from './views/health-checks.js';

// Only the health path's own modules load here: no ink, react or provider SDK (cold start matters).

const Options = z
  .object({
    json: z.boolean().default(false),
    full: z.boolean().default(false),
    privacy: z.boolean().default(false),
    stats: z.boolean().default(false),
    timeout: intFlag(1).optional(),
    mode: modeFlag,
  })
  .strict();

async function run(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Options, raw, 'health');
  if ([o.full, o.privacy, o.stats].filter(Boolean).length > 1) {
    throw new ValidationError('--full, --privacy and --stats are separate reports', { hint: 'run them one at a time' });
  }
  const base = { cwd: process.cwd(), env: process.env, ...(o.mode ? { mode: o.mode } : {}) };
  if (o.privacy || o.stats) {
    const { healthUsageUseCase } = await import('../src/application/health-usage.js');
    const rep = await healthUsageUseCase({ ...base, kind: o.privacy ? 'privacy' : 'stats' });
    if (o.json) return printJson(rep.report);
    const { renderPrivacy, renderStats } = await import('./views/health-text.js');
    io.out(rep.kind === 'privacy' ? renderPrivacy(rep.report) : renderStats(rep.report));
    return;
  }
  if (o.full) {
    const { healthFullUseCase } = await import('../src/application/health-full.js');
    const v = await healthFullUseCase({ ...base, ...(o.timeout ? { timeoutMs: o.timeout } : {}) });
    if (o.json) printJson(v);
    else {
      io.out(
        `validation suite: ${v.overall} — ${v.passed}/${v.run} passed (success rate ${Math.round(v.success_rate * 100)}%), ${v.total_ms} ms`,
      );
      for (const l of renderChecks(v.checks)) io.out(l);
    }
    if (v.overall !== 'healthy') process.exitCode = 1;
    return;
  }
  const rep = await healthUseCase({ ...base, ...(o.timeout ? { timeoutMs: o.timeout } : {}) });
  if (o.json) printJson(rep);
  else {
    io.out(`health of ${rep.project}${rep.mode ? ` (mode ${rep.mode})` : ''}`);
    for (const l of renderChecks(rep.checks)) io.out(l);
    const bad = rep.checks.filter((c) => c.status === 'fail').length;
    io.out(rep.healthy ? 'healthy' : `unhealthy: ${bad} problem(s)`);
  }
  // Exit 0 only when healthy; scripts and CI rely on it.
  if (!rep.healthy) process.exitCode = 1;
}

/** `health [--full | --privacy | --stats] [--json]`. */
export function register(program: Command): void {
  program
    .command('health')
    .description(
      'check servers, models, structured output, embeddings, config and the database (exit 0 only when healthy)',
    )
    .option('--json', 'machine-readable output')
    .option('--full', 'run the validation suite: end-to-end checks of every module')
    .option('--privacy', 'every model call grouped by host, local or external')
    .option('--stats', 'per component: calls, avg/p95 time, cache hit rate, tokens')
    .option('--timeout <ms>', 'time allowed for each model call of the checks')
    .option('--mode <mode>', MODE_HELP)
    .action(run);
}
