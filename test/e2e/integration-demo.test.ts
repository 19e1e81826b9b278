import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

// The specification's integration example and usage sections, run as `npm run demo` runs them
// (the built examples/integration-demo.js) against the fake server: every step must pass.
let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({
    models: [
      { name: 'llama3.2:latest', contextLength: 8192 },
      { name: 'nomic-embed-text:latest', embedding: true },
    ],
  });
});
afterAll(async () => {
  await server.close();
});

function runDemo(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'tml-demo-home-'));
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'examples', 'integration-demo.js')], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1', CI: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}

describe('examples/integration-demo.ts', () => {
  it('runs every step of the specification example against the fake server and exits 0', async () => {
    const r = await runDemo({
      OLLAMA_HOST: server.url,
      LM_STUDIO_HOST: 'http://127.0.0.1:9',
      LOCAL_AI_HOST: 'http://127.0.0.1:9',
    });
    const lines = r.stdout.trim().split('\n');
    const stepLines = lines.filter((l) => l.startsWith('step '));
    expect(
      stepLines.filter((l) => !/: ok \(\d+ ms\) — /.test(l)),
      r.stdout + r.stderr,
    ).toEqual([]);
    expect(stepLines).toHaveLength(15);
    expect(lines.at(-1)).toBe('demo: all 15 steps passed');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/process project requirements \(PRD text\): ok .* generated \d+ tasks/);
    expect(r.stdout).toMatch(/health check: ok .* system status: (healthy|degraded)/);
  }, 160_000);

  it('exits non-zero and names the step when no server answers', async () => {
    const r = await runDemo({
      OLLAMA_HOST: 'http://127.0.0.1:9',
      LM_STUDIO_HOST: 'http://127.0.0.1:9',
      LOCAL_AI_HOST: 'http://127.0.0.1:9',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/step 1\/15 initialize the system: FAILED — no main model/);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^demo: \d+ of 15 steps failed$/);
  }, 60_000);
});
