/**
 * Runs an existing trainer (mlx-lm, Unsloth, axolotl, llama.cpp's finetune: anything with a command
 * line) from a template with `{dataset}`, `{base}` and `{output}` placeholders, streaming its log.
 * A trainer that exits non-zero, or prints nothing for `idleMs`, fails with its exit code (or the
 * hang) and its last log lines; a hung one is killed with its whole process group.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { AppError, abortedError } from '../errors.js';

export interface TrainerRun {
  template: string;
  dataset: string;
  base: string;
  output: string;
  cwd: string;
  logPath: string;
  /** No output for this long = hung (default 10 minutes). */
  idleMs?: number;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** The command line: each placeholder replaced by its shell-quoted value. */
export function trainerCommand(template: string, v: { dataset: string; base: string; output: string }): string {
  const missing = ['{dataset}', '{output}'].filter((p) => !template.includes(p));
  if (missing.length)
    throw new AppError('USAGE', `--trainer: the template has no ${missing.join(' or ')} placeholder`, {
      hint: "e.g. --trainer 'mlx_lm.lora --train --data {dataset} --model {base} --adapter-path {output}' (see docs/finetune.md)",
    });
  return template.replace(/\{(dataset|base|output)\}/g, (_m, k: 'dataset' | 'base' | 'output') => quote(v[k]));
}

/** Runs the trainer to its end; resolves with the number of log lines, throws with the last ones. */
export function runTrainer(o: TrainerRun): Promise<{ lines: number; ms: number; command: string }> {
  const command = trainerCommand(o.template, o);
  const idleMs = o.idleMs ?? 600_000;
  const t0 = performance.now();
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(o.logPath);
    const tail: string[] = [];
    let lines = 0;
    let hung = false;
    const child = spawn('sh', ['-c', command], { cwd: o.cwd, env: o.env ?? process.env, detached: true });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    let idle = setTimeout(() => ((hung = true), kill()), idleMs);
    const onAbort = () => kill();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const feed = (buf: { rest: string }) => (d: Buffer) => {
      clearTimeout(idle);
      idle = setTimeout(() => ((hung = true), kill()), idleMs);
      log.write(d);
      const parts = (buf.rest + d.toString('utf8')).split(/\r?\n|\r/);
      buf.rest = parts.pop() ?? '';
      for (const l of parts) emit(l);
    };
    const emit = (l: string) => {
      if (!l.trim()) return;
      lines++;
      tail.push(l);
      if (tail.length > 8) tail.shift();
      o.onLine?.(l);
    };
    const out = { rest: '' };
    const err = { rest: '' };
    child.stdout.on('data', feed(out));
    child.stderr.on('data', feed(err));
    child.on('error', (e) => reject(new AppError('USAGE', `the trainer could not start: ${e.message}`, { cause: e })));
    child.on('close', (code, sig) => {
      clearTimeout(idle);
      o.signal?.removeEventListener('abort', onAbort);
      emit(out.rest);
      emit(err.rest);
      log.end();
      const last = tail.length ? `; last lines: ${tail.slice(-5).join(' | ')}` : '; it printed nothing';
      if (o.signal?.aborted) return reject(abortedError(o.signal, 'training was interrupted; no alias registered'));
      if (hung)
        return reject(
          new AppError(
            'PROVIDER_ERROR',
            `the trainer printed nothing for ${Math.round(idleMs / 1000)} s and was stopped${last}`,
            {
              hint: `its full log is in ${o.logPath}; raise --idle-timeout for trainers that are silent for long; no alias registered`,
            },
          ),
        );
      if (code !== 0)
        return reject(
          new AppError('PROVIDER_ERROR', `the trainer failed with exit code ${code ?? sig}${last}`, {
            hint: `its full log is in ${o.logPath}; no alias registered`,
            details: { exitCode: code, signal: sig, command },
          }),
        );
      resolvePromise({ lines, ms: Math.round(performance.now() - t0), command });
    });
  });
}
