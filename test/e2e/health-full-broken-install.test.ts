import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(() => fake.close());

/** A copy of the built package (node_modules linked) with some of its files missing, as a broken install is. */
function brokenInstall(missing: string[]): string {
  const pkg = mkdtempSync(join(tmpdir(), 'tml-broken-'));
  for (const part of ['bin', 'dist', 'prompts', 'package.json'])
    cpSync(join(REPO_ROOT, part), join(pkg, part), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  for (const m of missing) rmSync(join(pkg, m));
  return pkg;
}

function run(
  pkg: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(pkg, 'bin', 'task-master-local.js'), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', CI: '1', OLLAMA_HOST: fake.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('health --full on a broken install', () => {
  it('a module that fails to load fails its check (never "skip"), with the fix; the other checks still run', async () => {
    const pkg = brokenInstall(['dist/src/application/self-test.js']);
    try {
      const r = await run(pkg, ['health', '--full', '--json'], tempProject());
      expect(r.code, r.stderr).toBe(1);
      const v = JSON.parse(r.stdout) as {
        overall: string;
        failed: number;
        checks: { name: string; status: string; detail: string; hint?: string }[];
      };
      expect(v.checks.find((c) => c.name === 'recovery self-test')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/^the recovery self-test module failed to load: .*self-test\.js/),
        hint: expect.stringContaining('reinstall task-master-local'),
      });
      expect(v.checks.filter((c) => c.status === 'pass').map((c) => c.name)).toEqual([
        'health',
        'model API',
        'parse-prd',
        'research',
        'optimize',
      ]);
      expect(v).toMatchObject({ overall: 'degraded', failed: 1 });
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  }, 120_000);
});
