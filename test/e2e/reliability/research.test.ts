import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempProject } from '../../support/cli.js';
import { type FakeServer, startFakeServer } from '../../support/fake-llm-server.js';
import { researchDocs, untilCovered, vectorCoverage } from '../../support/research-kb.js';

/**
 * Issue 16's research targets at their full size: 8 concurrent `research add` × 4 rounds with no
 * failure, and kill -9 of `research add` × 10 with no chunk left without a vector after the rerun.
 * (test/e2e/research-reliability.test.ts covers the mechanics: searches meanwhile, Ctrl-C.)
 */

let slow: FakeServer;
beforeAll(async () => {
  slow = await startFakeServer({ latencyMs: 60 });
});
afterAll(() => slow.close());

const docs = (folder: string, files: number, sections: number) => researchDocs(folder, files, sections, 'heron');
const config = { '.taskmaster/config.json': JSON.stringify({ local: { embeddingBatchSize: 2 } }) };

/** A run of the CLI against the slow server, to be killed mid-way. */
const start = (args: string[], cwd: string) =>
  startCli(args, { cwd, env: { OLLAMA_HOST: slow.url }, timeoutMs: 300_000 });

describe('research add: concurrency and kill -9 at the issue targets', () => {
  it('8 concurrent adds of different folders × 4 rounds: no failure, every chunk with its vector', async () => {
    const failures: string[] = [];
    for (let round = 0; round < 4; round++) {
      const cwd = tempProject({
        ...config,
        ...Object.assign({}, ...Array.from({ length: 8 }, (_, i) => docs(`f${i}`, 1, 4))),
      });
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          runCli(['research', 'add', '--offline', `f${i}`], { cwd, timeoutMs: 120_000 }),
        ),
      );
      runs.forEach((r, i) => {
        if (r.code !== 0) failures.push(`round ${round} f${i}: exit ${r.code}: ${r.stderr.trim()}`);
      });
      const c = vectorCoverage(cwd);
      expect(c.chunks).toBeGreaterThanOrEqual(8 * 4);
      expect(c.missing).toBe(0);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('kill -9 in the middle of an add × 10, each followed by a rerun: no chunk is left without a vector', async () => {
    const cwd = tempProject({
      ...config,
      ...Object.assign({}, ...Array.from({ length: 10 }, (_, i) => docs(`k${i}`, 2, 6))),
    });
    let caught = 0;
    let leftBehind = 0;
    for (let round = 0; round < 10; round++) {
      const base = round === 0 ? 0 : vectorCoverage(cwd).chunks; // all covered after the previous rerun
      const run = start(['research', 'add', `k${round}`], cwd);
      await untilCovered(cwd, run.child, base);
      run.child.kill('SIGKILL');
      if ((await run.done).signal === 'SIGKILL') caught++;
      if (vectorCoverage(cwd).missing > 0) leftBehind++; // chunks without a vector, as a crash leaves them
      const rerun = await runCli(['research', 'add', `k${round}`], { cwd, env: { OLLAMA_HOST: slow.url } });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(vectorCoverage(cwd).missing, `round ${round}`).toBe(0);
    }
    // the kills did land mid-run and left work for the rerun (not after the process had finished)
    expect(caught).toBeGreaterThanOrEqual(8);
    expect(leftBehind).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
