import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  commandEvaluator,
  genomeEnvName,
  lastNumber,
  runFitnessCommand,
} from '../../../src/optimize/command-evaluator.js';

const cwd = mkdtempSync(join(tmpdir(), 'tml-fit-'));

describe('command fitness', () => {
  it('passes the genome on stdin and as GENOME_ variables and reads the last number', async () => {
    writeFileSync(join(cwd, 'echo.sh'), 'cat > stdin.json; echo "step 1"; echo "score: $((GENOME_BATCH_SIZE * 2))"\n');
    const r = await runFitnessCommand({ batch_size: 21, 'cache-enabled': true }, { command: 'sh echo.sh', cwd });
    expect(r).toMatchObject({ ok: true, fitness: 42 });
    expect(JSON.parse(readFileSync(join(cwd, 'stdin.json'), 'utf8'))).toEqual({
      batch_size: 21,
      'cache-enabled': true,
    });
    expect(genomeEnvName('cache-enabled')).toBe('GENOME_CACHE_ENABLED');
    expect(lastNumber('a 1\nb -2.5e3\n')).toBe(-2500);
    expect(lastNumber('none')).toBeUndefined();
  });

  it('reports a crash, no number and a hang as failures with their reasons', async () => {
    expect(await runFitnessCommand({ a: 1 }, { command: 'echo boom >&2; exit 3', cwd })).toMatchObject({
      ok: false,
      error: 'fitness command exited with code 3: boom',
    });
    expect(await runFitnessCommand({ a: 1 }, { command: 'echo nothing here', cwd })).toMatchObject({
      ok: false,
      error: 'fitness command printed no number (last line: nothing here)',
    });
    // the hang starts a child of its own: the whole process group must die, or close never comes
    const hung = await runFitnessCommand({ a: 1 }, { command: 'sleep 30 & sleep 30; echo 1', cwd, timeoutMs: 300 });
    expect(hung).toMatchObject({ ok: false, error: 'timed out after 300 ms' });
  });

  it('runs at most `concurrency` commands at once and keeps results in order', async () => {
    const log = join(cwd, 'overlap.log');
    writeFileSync(log, '');
    const cmd = `echo start >> ${log}; sleep 0.5; echo end >> ${log}; echo $GENOME_I`;
    const results = await commandEvaluator({ command: cmd, cwd, concurrency: 2 })([1, 2, 3, 4, 5].map((i) => ({ i })));
    expect(results.map((r) => (r.ok ? r.fitness : null))).toEqual([1, 2, 3, 4, 5]);
    let inFlight = 0;
    let max = 0;
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      inFlight += line === 'start' ? 1 : -1;
      max = Math.max(max, inFlight);
    }
    expect(max).toBe(2);
  });
});
