import type { Command } from 'commander';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import type { HealthCheck } from '../src/monitor/health.js';
import { io, printJson } from './shared/output.js';

// Only the health path's own modules load here: no ink, react or provider SDK (cold start matters).

const Options = z
  .object({
    json: z.boolean().optional(),
    full: z.boolean().optional(),
    privacy: z.boolean().optional(),
    stats: z.boolean().optional(),
    timeout: z.coerce.number().int().positive().optional(),
  })
  .strict();

const MARK: Record<HealthCheck['status'], string> = { pass: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' };

function renderChecks(checks: HealthCheck[]): void {
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) {
    io.out(`  ${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}${c.ms !== undefined ? ` (${c.ms} ms)` : ''}`);
    if (c.hint && c.status !== 'pass') io.out(`        ${' '.repeat(width)}  hint: ${c.hint}`);
  }
}

async function run(raw: Record<string, unknown>): Promise<void> {
  const r = Options.safeParse(raw);
  if (!r.success)
    throw new ValidationError(`--${String(r.error.issues[0]!.path[0])}: ${r.error.issues[0]!.message}`, {
      hint: 'see `task-master-local health --help`',
    });
  const o = r.data;
  if ([o.full, o.privacy, o.stats].filter(Boolean).length > 1) {
    throw new ValidationError('--full, --privacy and --stats are separate reports', { hint: 'run them one at a time' });
  }
  const cwd = process.cwd();
  if (o.privacy || o.stats) {
    const { usageReport } = await import('../src/monitor/usage.js');
    const rep = usageReport({ cwd, env: process.env, kind: o.privacy ? 'privacy' : 'stats' });
    if (o.json) return printJson(rep.report);
    const { renderPrivacy, renderStats } = await import('./views/health-text.js');
    io.out(rep.kind === 'privacy' ? renderPrivacy(rep.report) : renderStats(rep.report));
    return;
  }
  if (o.full) {
    const { runValidation } = await import('../src/application/validation.js');
    const v = await runValidation({ cwd, env: process.env, ...(o.timeout ? { callTimeoutMs: o.timeout } : {}) });
    if (o.json) printJson(v);
    else {
      io.out(
        `validation suite: ${v.overall} — ${v.passed}/${v.run} passed (success rate ${Math.round(v.success_rate * 100)}%), ${v.total_ms} ms`,
      );
      renderChecks(v.checks.map((c) => ({ name: c.name, status: c.status, detail: c.detail, hint: c.hint, ms: c.ms })));
    }
    if (v.overall !== 'healthy') process.exitCode = 1;
    return;
  }
  const { runHealth } = await import('../src/monitor/health.js');
  const rep = await runHealth({ cwd, env: process.env, ...(o.timeout ? { callTimeoutMs: o.timeout } : {}) });
  if (o.json) printJson(rep);
  else {
    io.out(`health of ${rep.project}${rep.mode ? ` (mode ${rep.mode})` : ''}`);
    renderChecks(rep.checks);
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
    .action(run);
}
