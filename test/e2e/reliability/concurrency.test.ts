import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/storage/migrations/index.js';
import { REPO_ROOT, runCli, tempProject } from '../../support/cli.js';

/**
 * Processes racing on one project: the first open of a fresh project (migrations decided and
 * applied in one transaction) and parse-prd runs writing different tags of one tasks.json under
 * task-master's lock. Targets of issue 16: 0 failures.
 */

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write notes.\n';
const N = 8;

function migrationIds(dbPath: string): number[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

const DB_MODULE = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'storage', 'db.js')).href;

/** A process that opens (creating and migrating) the project's database and closes it. */
function openInChild(db: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res, rej) => {
    const script = `import(${JSON.stringify(DB_MODULE)}).then((m) => m.openDatabase(process.argv[1]).close())`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, db], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stderr }));
  });
}

describe('concurrent processes on one project', () => {
  it(`${N} processes opening a fresh project at once all succeed: 10 rounds of the bare open, 1 through the CLI`, async () => {
    const failures: string[] = [];
    const expected = MIGRATIONS.map((m) => m.id).sort((a, b) => a - b);
    for (let round = 0; round < 11; round++) {
      const cwd = tempProject();
      const db = join(cwd, '.taskmaster', 'local.db');
      // rounds 0-9: just the open (what every command does first), light enough for 80 processes;
      // the last round: a whole command, as the probe ran it
      const runs = await Promise.all(
        Array.from({ length: N }, () =>
          round < 10 ? openInChild(db) : runCli(['recover', 'status', '--json'], { cwd, timeoutMs: 60_000 }),
        ),
      );
      for (const r of runs) if (r.code !== 0) failures.push(`round ${round}: exit ${r.code}: ${r.stderr.trim()}`);
      // every migration applied exactly once (the primary key would refuse a second insert)
      expect(migrationIds(db)).toEqual(expected);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it(`${N} parse-prd runs on different tags of one fresh project all succeed and lose nothing, 2 rounds`, async () => {
    const failures: string[] = [];
    for (let round = 0; round < 2; round++) {
      const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
      const runs = await Promise.all(
        Array.from({ length: N }, (_, i) => runCli(['parse-prd', '--tag', `t${i}`], { cwd, timeoutMs: 60_000 })),
      );
      runs.forEach((r, i) => {
        if (r.code !== 0) failures.push(`round ${round} tag t${i}: exit ${r.code}: ${r.stderr.trim()}`);
      });
      const tasksDir = join(cwd, '.taskmaster', 'tasks');
      const file = JSON.parse(readFileSync(join(tasksDir, 'tasks.json'), 'utf8')) as Record<
        string,
        { tasks: unknown[] }
      >;
      expect(Object.keys(file).sort()).toEqual(Array.from({ length: N }, (_, i) => `t${i}`).sort());
      for (const tag of Object.values(file)) expect(tag.tasks.length).toBeGreaterThan(0);
      expect(readdirSync(tasksDir)).toEqual(['tasks.json']); // no lock, no temp file left
      expect(existsSync(join(cwd, '.taskmaster', 'local.db'))).toBe(true);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
