import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempProject } from '../support/cli.js';
import { expectOneErrorLine } from '../support/expect-error.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { researchDocs, untilCovered, vectorCoverage } from '../support/research-kb.js';

// Concurrent, killed and interrupted `research add` runs through the real CLI, against a fake
// Ollama whose embeddings take a little while (so the runs overlap and can be caught mid-way).
let server: FakeServer;
let slow: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ latencyMs: 15 });
  slow = await startFakeServer({ latencyMs: 80 });
});
afterAll(async () => {
  await server.close();
  await slow.close();
});

const docs = (folder: string, files: number, sections: number) => researchDocs(folder, files, sections, 'zebra');
const project = (files: Record<string, string>) =>
  tempProject({ '.taskmaster/config.json': JSON.stringify({ local: { embeddingBatchSize: 2 } }), ...files });
const env = (s = server) => ({ OLLAMA_HOST: s.url });

/** A run of the CLI against server `s`, to be signalled mid-way or run beside others. */
const start = (args: string[], cwd: string, s = server) => startCli(args, { cwd, env: env(s), timeoutMs: 180_000 });

describe('research add under concurrency, kill -9 and Ctrl-C', () => {
  // The offline embedder here: under a loaded machine, model discovery in 10 fresh processes can time out and
  // some would fall back to it anyway (two vector sets); the claims and inserts are the same code either way.
  it('8 concurrent adds of different folders (and searches and questions meanwhile) all succeed; every chunk has one vector', async () => {
    const folders = Array.from({ length: 8 }, (_, i) => `f${i}`);
    const cwd = project(Object.assign({}, ...folders.map((f) => docs(f, 2, 3))));
    // the DB exists and searches have something to find from the start
    expect(
      (await runCli(['research', 'add', '--offline', '--note', 'Seed', 'zebra seed'], { cwd, env: env() })).code,
    ).toBe(0);
    for (const round of [0, 1]) {
      // round 2 changes half the folders, so those adds replace chunks while the others embed
      const picked = round ? folders.slice(0, 4) : folders;
      if (round) for (const f of picked) writeFileSync(join(cwd, f, 'doc-0.md'), `# ${f} again\n\nzebra ${round}\n`);
      const runs = [
        ...picked.map((f) => start(['research', 'add', '--offline', f], cwd)),
        ...[0, 1].map(() => start(['research', 'search', '--offline', 'zebra'], cwd)),
        // questions meanwhile: they retrieve (and embed what is pending) the same way
        ...[0, 1].map(() => start(['research', '--offline', '--no-self-check', 'what is the zebra?'], cwd)),
      ];
      const results = await Promise.all(runs.map((r) => r.done));
      for (const r of results) {
        // a question may print a note (e.g. which embedder it used); never an error
        const errors = r.stderr.split('\n').filter((l) => l && !l.startsWith('note:'));
        expect({ code: r.code, errors }).toEqual({ code: 0, errors: [] });
      }
      const c = vectorCoverage(cwd);
      expect(c).toEqual({
        chunks: c.chunks,
        sets: 1,
        vectors: c.chunks,
        counter: c.chunks,
        missing: 0,
        sketchRows: c.chunks,
        claims: 0,
      });
    }
  }, 180_000);

  it('kill -9 in the middle of adds, then one rerun: no chunk is left without a vector', async () => {
    const folders = ['a', 'b', 'c'];
    const cwd = project(Object.assign({}, ...folders.map((f) => docs(f, 3, 10))));
    for (const f of folders) {
      const run = start(['research', 'add', f], cwd, slow);
      await untilCovered(cwd, run.child);
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
    }
    expect(vectorCoverage(cwd).missing).toBeGreaterThan(0);
    const rerun = await runCli(['research', 'add', ...folders], { cwd, env: env() });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/took over \d+ chunks an interrupted run had claimed/);
    const c = vectorCoverage(cwd);
    expect(c).toMatchObject({ chunks: c.vectors, missing: 0, sketchRows: c.vectors, claims: 0 });
  }, 120_000);

  it('Ctrl-C during add exits 130 saying what was kept; nothing stays claimed', async () => {
    const cwd = project(docs('docs', 4, 6));
    const run = start(['research', 'add', 'docs'], cwd, slow);
    await untilCovered(cwd, run.child);
    run.child.kill('SIGINT');
    expectOneErrorLine(await run.done, {
      code: 130,
      match:
        /^error: interrupted: kept 4 new or changed sources \(\d+ chunks, \d+ vectors? stored; \d+ chunks? waits? for a vector\)$/,
      hint: /^hint: run the same `research add` again/,
    });
    expect(vectorCoverage(cwd).claims).toBe(0);
    const again = await runCli(['research', 'add', 'docs'], { cwd, env: env() });
    expect(again.stdout).toMatch(/added 0, updated 0, unchanged 4/);
    expect(vectorCoverage(cwd).missing).toBe(0);
  }, 120_000);

  it('refuses a FIFO given by name at once (exit 2, one line, nothing written); one inside a folder is skipped', async () => {
    const cwd = project(docs('docs', 1, 1));
    expect(spawnSync('mkfifo', [join(cwd, 'pipe')]).status).toBe(0);
    expect(spawnSync('mkfifo', [join(cwd, 'docs', 'inner-pipe')]).status).toBe(0);
    const r = await runCli(['research', 'add', 'docs', 'pipe'], { cwd, env: env(), timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: pipe is a FIFO (named pipe), not a regular file\nhint: research add reads text files, directories and globs\n',
    );
    const ok = await runCli(['research', 'add', 'docs'], { cwd, env: env(), timeoutMs: 20_000 });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/added 1, updated 0, unchanged 0, skipped 0/);
  });
});
