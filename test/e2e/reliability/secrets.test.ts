import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../../support/cli.js';
import { type FakeServer, startFakeServer } from '../../support/fake-llm-server.js';

/**
 * Credentials inside server URLs: `OLLAMA_HOST=http://user:pass@127.0.0.1:P` reaches the server
 * (as an Authorization header) and the password is never printed (`models`, `health`, `--json`,
 * errors) nor stored (the metrics ledger, failure rows: the whole local.db file is searched).
 */

const SECRET = 's3cr3t-pw';
const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write notes.\n';
let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());

const env = () => ({ OLLAMA_HOST: `http://alice:${SECRET}@127.0.0.1:${server.port}` });
const basic = `Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`;

describe('credentials inside URLs', () => {
  it('OLLAMA_HOST with user:password works, sends them as a header, never echoes the password', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    server.reset();
    const models = await runCli(['models', '--json'], { cwd, env: env() });
    expect(models.code, models.stderr).toBe(0);
    const overview = JSON.parse(models.stdout) as { servers: { kind: string; ok: boolean; endpoint: string }[] };
    const ollama = overview.servers.find((s) => s.kind === 'ollama')!;
    expect(ollama.ok).toBe(true);
    expect(ollama.endpoint).toBe(`http://alice:[REDACTED]@127.0.0.1:${server.port}`);
    expect(server.requests.length).toBeGreaterThan(0);
    for (const r of server.requests) expect(r.headers.authorization).toBe(basic);

    const outputs = [models];
    outputs.push(await runCli(['models'], { cwd, env: env() }));
    outputs.push(await runCli(['health'], { cwd, env: env() }));
    outputs.push(await runCli(['health', '--json'], { cwd, env: env() }));
    // a run with a failing call: the failure row and the ledger rows carry the endpoint
    server.fault({ kind: 'status', status: 500, times: 1 });
    const run = await runCli(['parse-prd', '--max-depth', '1', '--no-cache'], { cwd, env: env() });
    expect(run.code, run.stderr).toBe(0);
    outputs.push(run);
    outputs.push(await runCli(['recover', '--json'], { cwd, env: env() }));
    outputs.push(await runCli(['health', '--privacy', '--json'], { cwd, env: env() }));
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(SECRET);
    expect(outputs.map((o) => o.stdout + o.stderr).join('\n')).toContain('alice:[REDACTED]@');

    const db = readFileSync(join(cwd, '.taskmaster', 'local.db'));
    const wal = (() => {
      try {
        return readFileSync(join(cwd, '.taskmaster', 'local.db-wal'));
      } catch {
        return Buffer.alloc(0);
      }
    })();
    expect(db.includes(SECRET) || wal.includes(SECRET)).toBe(false);
  }, 120_000);

  it('an unreachable server with a password in its URL: the error names it redacted', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const r = await runCli(['parse-prd', '--require-model'], {
      cwd,
      env: { OLLAMA_HOST: `http://alice:${SECRET}@127.0.0.1:9` },
    });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).toMatch(/127\.0\.0\.1:9/);
  }, 60_000);
});
