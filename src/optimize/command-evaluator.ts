import { spawn } from 'node:child_process';
import { mapLimit } from '../util/map-limit.js';
import type { Evaluator, FitnessResult, Genome } from './types.js';

/** How to run a fitness command. */
export interface CommandFitnessOptions {
  /** Shell command line; runs with `sh -c` in `cwd`. */
  command: string;
  cwd: string;
  timeoutMs?: number;
  concurrency?: number;
  /** Base environment (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  /** Called as each evaluation ends, e.g. to advance a progress bar. */
  onResult?: (r: FitnessResult, genome: Genome) => void;
  /** Stops the run: running commands are killed (their process groups), no new one starts. */
  signal?: AbortSignal;
}

const MAX_OUTPUT = 1 << 20;
const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

/** GENOME_<NAME>: upper-cased, anything not a letter or digit becomes an underscore. */
export function genomeEnvName(key: string): string {
  return `GENOME_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The last number printed on stdout, or undefined when there is none. */
export function lastNumber(stdout: string): number | undefined {
  const m = stdout.match(NUMBER);
  if (!m) return undefined;
  const v = Number(m[m.length - 1]);
  return Number.isFinite(v) ? v : undefined;
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}

/**
 * Runs the command once for a genome: the genome as JSON on stdin and as GENOME_<NAME> variables; the
 * fitness is the last number it prints. A non-zero exit, a timeout or no number is a failed evaluation
 * with its reason, never a silent zero. The command runs in its own process group so a timeout kills
 * whatever it started too.
 */
export function runFitnessCommand(genome: Genome, o: CommandFitnessOptions): Promise<FitnessResult> {
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env), GENOME_JSON: JSON.stringify(genome) };
  for (const [k, v] of Object.entries(genome)) env[genomeEnvName(k)] = String(v);
  const started = Date.now();
  if (o.signal?.aborted) return Promise.resolve({ ok: false, error: 'interrupted', durationMs: 0 });
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', o.command], { cwd: o.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const done = (r: FitnessResult) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, durationMs: Date.now() - started });
    };
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGKILL');
    }, o.timeoutMs ?? 60_000);
    const onAbort = () => kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += d.toString();
    });
    // a command that ignores stdin closes it early; that is not a failure
    child.stdin.on('error', () => {});
    child.on('error', (e) => done({ ok: false, error: `cannot start fitness command: ${e.message}` }));
    child.on('close', (code, signal) => {
      if (timedOut) return done({ ok: false, error: `timed out after ${o.timeoutMs ?? 60_000} ms` });
      if (code !== 0) {
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail = lastLine(stderr) || lastLine(stdout);
        return done({ ok: false, error: `fitness command ${why}${tail ? `: ${tail}` : ''}` });
      }
      const v = lastNumber(stdout);
      if (v === undefined) {
        return done({
          ok: false,
          error: `fitness command printed no number${stdout.trim() ? ` (last line: ${lastLine(stdout)})` : ''}`,
        });
      }
      done({ ok: true, fitness: v });
    });
    child.stdin.end(JSON.stringify(genome) + '\n');
  });
}

/** An evaluator that runs the fitness command for each genome, at most `concurrency` at once. */
export function commandEvaluator(o: CommandFitnessOptions): Evaluator {
  return (genomes, onEach) =>
    mapLimit(genomes, o.concurrency ?? 4, async (g, i) => {
      const r = await runFitnessCommand(g, o);
      onEach?.(i, r);
      o.onResult?.(r, g);
      return r;
    });
}
