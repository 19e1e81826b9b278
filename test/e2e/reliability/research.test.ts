import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempProject } from '../../support/cli.js';
import { type FakeServer, startFakeServer } from '../../support/fake-llm-server.js';

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

const docs = (folder: string, files: number, sections: number) =>
  Object.fromEntries(
    Array.from({ length: files }, (_, f) => [
      `${folder}/doc-${f}.md`,
      Array.from(
        { length: sections },
        (_, s) => `## ${folder} ${f}.${s}\n\nThe ${folder} heron ${f * 100 + s}.\n`,
      ).join('\n'),
    ]),
  );
const config = { '.taskmaster/config.json': JSON.stringify({ local: { embeddingBatchSize: 2 } }) };

/** Chunks, and chunks without a vector in the knowledge base's vector set. */
function coverage(cwd: string): { chunks: number; missing: number } {
  const db = new Database(join(cwd, '.taskmaster', 'local.db'), { readonly: true, fileMustExist: true });
  try {
    const chunks = (db.prepare('SELECT count(*) AS n FROM research_chunks').get() as { n: number }).n;
    const sets = db.prepare('SELECT name FROM research_vec_tables').all() as { name: string }[];
    if (sets.length === 0) return { chunks, missing: chunks };
    // a chunk is covered when every vector set has its vector (one set per embedding model)
    const missing = Math.max(
      ...sets.map(
        (s) =>
          (
            db
              .prepare(
                `SELECT count(*) AS n FROM research_chunks c WHERE NOT EXISTS (SELECT 1 FROM ${s.name}_vectors v WHERE v.chunk_id = c.id)`,
              )
              .get() as { n: number }
          ).n,
      ),
    );
    return { chunks, missing };
  } finally {
    db.close();
  }
}

/** A run of the CLI against the slow server, to be killed mid-way. */
const start = (args: string[], cwd: string) =>
  startCli(args, { cwd, env: { OLLAMA_HOST: slow.url }, timeoutMs: 300_000 });

/** Waits until the run has stored some of its new vectors (it is in the middle of embedding), or has ended. */
async function midEmbedding(cwd: string, child: ChildProcess, base: number): Promise<void> {
  for (let i = 0; i < 3000 && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 10));
    try {
      if (existsSync(join(cwd, '.taskmaster', 'local.db'))) {
        const c = coverage(cwd);
        if (c.chunks - c.missing > base) return;
      }
    } catch {
      // tables not created yet
    }
  }
}

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
      const c = coverage(cwd);
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
      const base = round === 0 ? 0 : coverage(cwd).chunks; // all covered after the previous rerun
      const run = start(['research', 'add', `k${round}`], cwd);
      await midEmbedding(cwd, run.child, base);
      run.child.kill('SIGKILL');
      if ((await run.done).signal === 'SIGKILL') caught++;
      if (coverage(cwd).missing > 0) leftBehind++; // chunks without a vector, as a crash leaves them
      const rerun = await runCli(['research', 'add', `k${round}`], { cwd, env: { OLLAMA_HOST: slow.url } });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(coverage(cwd).missing, `round ${round}`).toBe(0);
    }
    // the kills did land mid-run and left work for the rerun (not after the process had finished)
    expect(caught).toBeGreaterThanOrEqual(8);
    expect(leftBehind).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
