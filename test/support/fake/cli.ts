/**
 * Command-line flags of the standalone fake server (and of bench workers that take argv):
 *   --port N --servers N --flavor ollama|lmstudio|localai|llamacpp|vllm --latency MS --load-ms MS
 *   --prefill TOK/S --decode TOK/S --slots N --prompt-time MS --cache slot|global|none
 *   --words N|name=N,... --items N|name=N,...   (answers of real length; '*' = any property)
 */
import type { AnswerShape, ComputeOptions, FakeServerOptions, Flavor } from './types.js';

const FLAVORS: Flavor[] = ['ollama', 'lmstudio', 'localai', 'llamacpp', 'vllm'];

function num(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0)
    throw new Error(`--${flag} needs a non-negative number, got ${v}`);
  return n;
}

function sizes(flag: string, v: string | undefined): number | Record<string, number> {
  if (v === undefined) throw new Error(`--${flag} needs a value`);
  if (/^\d+$/.test(v)) return Number(v);
  const out: Record<string, number> = {};
  for (const part of v.split(',')) {
    const [k, n] = part.split('=');
    if (!k || n === undefined) throw new Error(`--${flag} wants N or name=N,...; got ${v}`);
    out[k] = num(flag, n);
  }
  return out;
}

/** Parses argv into server options and a server count. Throws on an unknown flag or a bad value. */
export function parseFakeArgs(argv: string[]): { count: number; options: FakeServerOptions } {
  const options: FakeServerOptions = {};
  const compute: ComputeOptions = {};
  const answers: AnswerShape = {};
  let count = 1;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!.replace(/^--/, '');
    const v = argv[++i];
    switch (flag) {
      case 'port':
        options.port = num(flag, v);
        break;
      case 'servers':
        count = Math.max(1, num(flag, v));
        break;
      case 'flavor':
        if (!FLAVORS.includes(v as Flavor)) throw new Error(`--flavor must be one of ${FLAVORS.join(', ')}`);
        options.flavor = v as Flavor;
        break;
      case 'latency':
        options.latencyMs = num(flag, v);
        break;
      case 'load-ms':
        options.loadMs = num(flag, v);
        break;
      case 'prefill':
        compute.prefillTokensPerSec = num(flag, v);
        break;
      case 'decode':
        compute.decodeTokensPerSec = num(flag, v);
        break;
      case 'slots':
        compute.slots = Math.max(1, num(flag, v));
        break;
      case 'prompt-time':
        compute.promptTimeMs = num(flag, v);
        break;
      case 'cache':
        if (v !== 'slot' && v !== 'global' && v !== 'none') throw new Error('--cache must be slot, global or none');
        compute.cache = v;
        break;
      case 'words':
        answers.stringWords = sizes(flag, v);
        break;
      case 'items':
        answers.arrayItems = sizes(flag, v);
        break;
      default:
        throw new Error(`unknown flag ${argv[i - 1]}`);
    }
  }
  if (Object.keys(compute).length > 0) options.compute = compute;
  if (Object.keys(answers).length > 0) options.answers = answers;
  return { count, options };
}
