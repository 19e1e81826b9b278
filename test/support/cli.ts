import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'task-master-local.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** The child is killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** Run as another user (root only), e.g. to meet a permission error root would not see. */
  uid?: number;
  gid?: number;
}

/**
 * Spawns the built CLI (run `npm run build` first; `npm test` does) in `cwd` with a clean env:
 * no color, no inherited OLLAMA_HOST etc. unless given, servers pointed nowhere by default.
 */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** runCli's run with its child at hand, for a test that signals it mid-run (Ctrl-C, kill -9). */
export function startCli(args: string[], opts: CliOptions): { child: ChildProcess; done: Promise<CliResult> } {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: opts.cwd,
    NO_COLOR: '1',
    CI: '1',
    // Unreachable by default so a test never talks to a real local server by accident.
    OLLAMA_HOST: 'http://127.0.0.1:9',
    LM_STUDIO_HOST: 'http://127.0.0.1:9',
    LOCAL_AI_HOST: 'http://127.0.0.1:9',
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env,
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
  });
  const done = new Promise<CliResult>((res, rej) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      res({ code, signal, stdout, stderr });
    });
  });
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  return { child, done };
}

/** A temp project dir built from inline files: tempProject({'.taskmaster/docs/prd.txt': '# PRD'}). */
export function tempProject(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tml-'));
  mkdirSync(join(dir, '.taskmaster'), { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}
