import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, startCli, tempProject } from '../support/cli.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const EX = join(REPO_ROOT, 'examples', 'optimize');

/** A temp project holding the example spec (without its evaluator) and fit.sh. */
function project(extra: Record<string, string> = {}): string {
  const spec = JSON.parse(readFileSync(join(EX, 'spec.json'), 'utf8')) as Record<string, unknown>;
  delete spec.evaluator;
  const dir = tempProject({
    'spec.json': JSON.stringify(spec),
    'fit.sh': readFileSync(join(EX, 'fit.sh'), 'utf8'),
    ...extra,
  });
  chmodSync(join(dir, 'fit.sh'), 0o755);
  return dir;
}

interface Report {
  run_id: string;
  best_individual: { genome: Record<string, unknown>; fitness: number };
  generations: { best: number; mean: number }[];
  evaluations: number;
  failures: number;
}

function sameResult(a: Report, b: Report) {
  expect(b.best_individual).toEqual(a.best_individual);
  expect(b.generations).toEqual(a.generations);
  expect(b.evaluations).toBe(a.evaluations);
}

describe('optimize (CLI)', () => {
  it('finds the known optimum within 5% and gives the same answer twice with the same seed', async () => {
    const cwd = project();
    const a = await runCli(['optimize', 'spec.json', '--fitness-command', './fit.sh', '--json'], { cwd });
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const r1 = JSON.parse(a.stdout) as Report;
    expect(r1.run_id).toMatch(/^opt-/);
    expect(r1.best_individual.fitness).toBeGreaterThanOrEqual(95);
    expect(r1.generations).toHaveLength(30);
    expect(r1.evaluations).toBeLessThanOrEqual(600);
    const b = await runCli(['optimize', 'spec.json', '--fitness-command', './fit.sh', '--json'], { cwd });
    const r2 = JSON.parse(b.stdout) as Report;
    expect(r2.run_id).not.toBe(r1.run_id);
    sameResult(r1, r2);

    const list = await runCli(['optimize', 'list'], { cwd });
    expect(list.stdout).toContain(r1.run_id);
    expect(list.stdout).toContain(r2.run_id);
    const show = await runCli(['optimize', 'show', r1.run_id], { cwd });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('* best  . mean');
    expect(show.stdout).toContain(`best fitness ${r1.best_individual.fitness}`);
  }, 120_000);

  it('prints a chart and the best genome without --json, progress on stderr', async () => {
    const cwd = project();
    const r = await runCli(['optimize', 'spec.json', '--fitness-command', './fit.sh', '--generations', '5'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/finished \(max generations\): 5 generations/);
    expect(r.stdout).toMatch(/\n\s+gen 0-4\n/);
    expect(r.stdout).toMatch(/batch_size\s+= \d+/);
    expect(r.stderr).toMatch(/generation 5\/5: best/);
  }, 60_000);

  it('rejects a bad spec naming the field, with exit code 2', async () => {
    const cwd = project({ 'bad.yaml': 'genome: {a: 1, b: 2}\nranges:\n  a: {type: int, min: 5, max: 1}\n' });
    const r = await runCli(['optimize', 'bad.yaml', '--fitness-command', './fit.sh'], { cwd });
    expectOneErrorLine(r, {
      code: 2,
      match: /^error: bad\.yaml: ranges\.a: inverted range: min 5 is greater than max 1/,
    });
    const p = await runCli(['optimize', 'spec.json', '--fitness-command', './fit.sh', '--population', '1'], { cwd });
    expectOneErrorLine(p, { code: 2, match: /--population: / });
    const q = await runCli(['optimize', '--resume', 'opt-x', '--seed', '3'], { cwd });
    expectOneErrorLine(q, { code: 2, match: /--resume continues a run exactly as it started/ });
    const u = await runCli(['optimize', '--resume', 'opt-missing'], { cwd });
    expectOneErrorLine(u, { code: 2, match: /^error: no optimization run opt-missing/ });
  });

  it('a command that prints no number fails the run naming the genome and reason; the run is kept', async () => {
    const cwd = project();
    const r = await runCli(['optimize', 'spec.json', '--fitness-command', 'echo done', '--json'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error: optimization run (opt-\w+): every evaluation of generation 0 failed; genome \{"batch_size":32,.*\}: fitness command printed no number/,
    );
    const runId = /optimization run (opt-\w+)/.exec(r.stderr)![1]!;
    expect(r.stderr).toContain(`--resume ${runId}`);
    const show = await runCli(['optimize', 'show', runId, '--json'], { cwd });
    const s = JSON.parse(show.stdout) as { status: string; failed_evaluations: { error: string }[] };
    expect(s.status).toBe('failed');
    expect(s.failed_evaluations.length).toBeGreaterThan(0);
    expect(s.failed_evaluations[0]!.error).toMatch(/printed no number/);
  });

  it('a hanging command times out per evaluation and is recorded as failed', async () => {
    const cwd = project();
    // genomes with max_concurrent > 12 hang; the rest score normally
    const cmd = 'if [ "$GENOME_MAX_CONCURRENT" -gt 12 ]; then sleep 30; fi; ./fit.sh';
    const r = await runCli(
      [
        'optimize',
        'spec.json',
        '--fitness-command',
        cmd,
        '--timeout',
        '1000',
        '--generations',
        '3',
        '--concurrency',
        '8',
        '--json',
      ],
      { cwd },
    );
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.failures).toBeGreaterThan(0);
    const show = await runCli(['optimize', 'show', rep.run_id], { cwd });
    expect(show.stdout).toMatch(/"max_concurrent":1[3-6].*timed out after 1000 ms/);
  }, 60_000);

  it('resumes after SIGKILL and ends with the same result as an uninterrupted run', async () => {
    const cwd = project();
    const slow = 'sleep 0.03; ./fit.sh';
    const whole = JSON.parse(
      (await runCli(['optimize', 'spec.json', '--fitness-command', slow, '--json'], { cwd })).stdout,
    ) as Report;

    const run = startCli(['optimize', 'spec.json', '--fitness-command', slow, '--json'], { cwd, timeoutMs: 240_000 });
    const db = join(cwd, '.taskmaster', 'local.db');
    let runId: string | undefined;
    let gens = 0;
    for (let i = 0; i < 2400 && gens < 4; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        const d = new Database(db, { readonly: true });
        const row = d
          .prepare('SELECT id, generations_done FROM optimize_runs WHERE id != ? ORDER BY rowid DESC LIMIT 1')
          .get(whole.run_id) as { id: string; generations_done: number } | undefined;
        d.close();
        runId = row?.id;
        gens = row?.generations_done ?? 0;
      } catch {
        // the database may not exist yet
      }
    }
    run.child.kill('SIGKILL');
    await run.done;
    expect(runId).toBeDefined();
    expect(gens).toBeGreaterThanOrEqual(4);
    expect(gens).toBeLessThan(30);

    const r = await runCli(['optimize', '--resume', runId!, '--json'], { cwd });
    expect(r.code).toBe(0);
    const resumed = JSON.parse(r.stdout) as Report & { resumed_at: number };
    expect(resumed.run_id).toBe(runId);
    expect(resumed.resumed_at).toBeGreaterThanOrEqual(4);
    sameResult(whole, resumed);
  }, 240_000);
});
