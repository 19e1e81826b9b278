import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A tiny random-weight llama-architecture GGUF (v3), generated in ~0.1 s so tests run the real
 * embedded provider without downloading anything. The answers are meaningless but deterministic
 * for a fixed seed; what matters is that llama.cpp loads it, tokenizes, samples under a JSON
 * grammar and embeds. Format and required metadata: reference/storage-and-inference.md §2.
 */
export interface TinyGgufOptions {
  layers?: number;
  dim?: number;
  ff?: number;
  heads?: number;
  /** Training context length recorded in the metadata. */
  ctx?: number;
  seed?: number;
  /** Store 2-D tensors as F16 (halves the file). */
  f16?: boolean;
  /** Written into general.architecture; anything but 'llama' makes llama.cpp refuse the file. */
  architecture?: string;
  name?: string;
  /**
   * Extra logit bias on the '"' byte token. Random weights never close an unbounded JSON string
   * on their own (the grammar then runs to the token limit); a bias makes strings end after a
   * few dozen characters. 0 reproduces the reference generator byte for byte.
   */
  quoteBias?: number;
}

const GT = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;
const GGML_F32 = 0;
const GGML_F16 = 1;
const ALIGN = 32;
const TT = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Little-endian byte sink. */
class Sink {
  readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
}

/** SentencePiece-style byte vocab: <unk> <s> </s>, 256 <0xXX> byte tokens, "▁", ChatML markers. */
function vocab() {
  const tokens: string[] = [];
  const types: number[] = [];
  const add = (t: string, ty: number) => {
    tokens.push(t);
    types.push(ty);
    return tokens.length - 1;
  };
  const unk = add('<unk>', TT.UNKNOWN);
  const bos = add('<s>', TT.CONTROL);
  const eos = add('</s>', TT.CONTROL);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TT.BYTE);
  // Without the word-boundary token spaces detokenize as "▁" and node-llama-cpp warns.
  add('\u2581', TT.NORMAL);
  add('<|im_start|>', TT.CONTROL);
  const imEnd = add('<|im_end|>', TT.CONTROL);
  return { tokens, types, unk, bos, eos, imEnd };
}

/** Deterministic normal samples (LCG + Box-Muller) so the same seed gives the same file. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return () => {
    const u1 = (next() + 1) / 4294967297;
    const u2 = next() / 4294967296;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
}

function toF16(data: Float32Array): Buffer {
  const out = Buffer.alloc(data.length * 2);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < data.length; i++) {
    f[0] = data[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const e = ((x >>> 23) & 0xff) - 112;
    const m = x & 0x7fffff;
    let h = e <= 0 ? sign : e >= 31 ? sign | 0x7c00 : sign | (e << 10) | (m >>> 13);
    if (e > 0 && e < 31 && m & 0x1000) h++;
    out.writeUInt16LE(h & 0xffff, i * 2);
  }
  return out;
}

/** Builds the GGUF bytes in memory. */
export function makeTinyGguf(opts: TinyGgufOptions = {}): Buffer {
  const L = opts.layers ?? 2;
  const E = opts.dim ?? 64;
  const FF = opts.ff ?? 128;
  const H = opts.heads ?? 4;
  const arch = opts.architecture ?? 'llama';
  const v = vocab();
  const V = v.tokens.length;
  const randn = rng(opts.seed ?? 1);

  const kv: Array<[string, number, (s: Sink) => void]> = [];
  const u32 = (k: string, x: number) => kv.push([k, GT.UINT32, (s) => s.u32(x)]);
  const f32 = (k: string, x: number) => kv.push([k, GT.FLOAT32, (s) => s.f32(x)]);
  const str = (k: string, x: string) => kv.push([k, GT.STRING, (s) => s.str(x)]);
  const bool = (k: string, x: boolean) => kv.push([k, GT.BOOL, (s) => s.push(Buffer.from([x ? 1 : 0]))]);
  const arr = <T>(k: string, et: number, xs: T[], w: (s: Sink, x: T) => void) =>
    kv.push([
      k,
      GT.ARRAY,
      (s) => {
        s.u32(et);
        s.u64(xs.length);
        for (const x of xs) w(s, x);
      },
    ]);

  str('general.architecture', arch);
  str('general.name', opts.name ?? 'tiny-random-llama');
  u32('general.alignment', ALIGN);
  u32('general.file_type', opts.f16 ? 1 : 0);
  u32(`${arch}.context_length`, opts.ctx ?? 4096);
  u32(`${arch}.embedding_length`, E);
  u32(`${arch}.block_count`, L);
  u32(`${arch}.feed_forward_length`, FF);
  u32(`${arch}.attention.head_count`, H);
  u32(`${arch}.attention.head_count_kv`, H);
  u32(`${arch}.rope.dimension_count`, E / H);
  f32(`${arch}.rope.freq_base`, 10000);
  f32(`${arch}.attention.layer_norm_rms_epsilon`, 1e-5);
  u32(`${arch}.vocab_size`, V);
  str('tokenizer.ggml.model', 'llama');
  str('tokenizer.ggml.pre', 'default');
  arr('tokenizer.ggml.tokens', GT.STRING, v.tokens, (s, x) => s.str(x));
  arr(
    'tokenizer.ggml.scores',
    GT.FLOAT32,
    v.tokens.map(() => 0),
    (s, x) => s.f32(x),
  );
  arr('tokenizer.ggml.token_type', GT.INT32, v.types, (s, x) => s.i32(x));
  u32('tokenizer.ggml.bos_token_id', v.bos);
  u32('tokenizer.ggml.eos_token_id', v.eos);
  u32('tokenizer.ggml.eot_token_id', v.imEnd);
  u32('tokenizer.ggml.unknown_token_id', v.unk);
  u32('tokenizer.ggml.padding_token_id', v.unk);
  bool('tokenizer.ggml.add_bos_token', true);
  bool('tokenizer.ggml.add_eos_token', false);
  str('tokenizer.chat_template', CHATML);

  // Random logits would sample arbitrary bytes (invalid UTF-8, astral characters that break
  // maxLength checks). Hidden dim 0 is held constant and output rows carry +-1.5 there: a logit
  // bias toward printable ASCII, "▁" and the end tokens.
  const nice = (id: number) => {
    if (id === v.eos || id === v.imEnd || v.tokens[id] === '\u2581') return true;
    const m = /^<0x([0-9A-F]{2})>$/.exec(v.tokens[id]!);
    const b = m ? parseInt(m[1]!, 16) : -1;
    return b >= 0x20 && b < 0x7f;
  };
  const tensors: Array<{ name: string; dims: number[]; bytes: Buffer; type: number; offset: number }> = [];
  const tensor = (name: string, dims: number[], init: (i: number) => number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = init(i);
    const half = opts.f16 && dims.length > 1;
    tensors.push({
      name,
      dims,
      bytes: half ? toF16(d) : Buffer.from(d.buffer),
      type: half ? GGML_F16 : GGML_F32,
      offset: 0,
    });
  };
  const normal = (std: number) => () => randn() * std;
  const ones = () => 1;
  tensor('token_embd.weight', [E, V], (i) => (i % E === 0 ? 8 : randn()));
  tensor('output_norm.weight', [E], ones);
  const quote = v.tokens.indexOf('<0x22>');
  const bias = (id: number) => (nice(id) ? 1.5 : -1.5) + (id === quote ? (opts.quoteBias ?? 0) : 0);
  tensor('output.weight', [E, V], (i) => (i % E === 0 ? bias(Math.floor(i / E)) : randn() * 0.5 * Math.sqrt(64 / E)));
  for (let l = 0; l < L; l++) {
    tensor(`blk.${l}.attn_norm.weight`, [E], ones);
    tensor(`blk.${l}.attn_q.weight`, [E, E], normal(0.1));
    tensor(`blk.${l}.attn_k.weight`, [E, E], normal(0.1));
    tensor(`blk.${l}.attn_v.weight`, [E, E], normal(0.1));
    tensor(`blk.${l}.attn_output.weight`, [E, E], normal(0.1));
    tensor(`blk.${l}.ffn_norm.weight`, [E], ones);
    tensor(`blk.${l}.ffn_gate.weight`, [E, FF], normal(0.1));
    tensor(`blk.${l}.ffn_up.weight`, [E, FF], normal(0.1));
    tensor(`blk.${l}.ffn_down.weight`, [FF, E], normal(0.1));
  }

  const pad = (n: number) => (ALIGN - (n % ALIGN)) % ALIGN;
  let offset = 0;
  for (const t of tensors) {
    t.offset = offset;
    offset += t.bytes.length + pad(t.bytes.length);
  }
  const s = new Sink();
  s.push(Buffer.from('GGUF', 'ascii'));
  s.u32(3);
  s.u64(tensors.length);
  s.u64(kv.length);
  for (const [k, type, write] of kv) {
    s.str(k);
    s.u32(type);
    write(s);
  }
  for (const t of tensors) {
    s.str(t.name);
    s.u32(t.dims.length);
    for (const d of t.dims) s.u64(d);
    s.u32(t.type);
    s.u64(t.offset);
  }
  s.push(Buffer.alloc(pad(s.length)));
  for (const t of tensors) {
    s.push(t.bytes);
    s.push(Buffer.alloc(pad(t.bytes.length)));
  }
  return Buffer.concat(s.parts);
}

/** Options of a tiny LoRA adapter; `layers`/`dim` must match the base for llama.cpp to apply it. */
export interface TinyLoraOptions {
  layers?: number;
  dim?: number;
  rank?: number;
  alpha?: number;
  architecture?: string;
  seed?: number;
  /** Scale of the B matrices: 0 makes the adapter a no-op. */
  strength?: number;
}

/**
 * A LoRA adapter GGUF for the tiny model, as llama.cpp's convert_lora_to_gguf.py writes one:
 * general.type `adapter`, adapter.type `lora`, adapter.lora.alpha, and for attn_q/attn_v of every
 * layer `<tensor>.lora_a` [in, rank] and `<tensor>.lora_b` [rank, out] (F32).
 */
export function makeTinyLoraGguf(opts: TinyLoraOptions = {}): Buffer {
  const L = opts.layers ?? 2;
  const E = opts.dim ?? 64;
  const R = opts.rank ?? 4;
  const arch = opts.architecture ?? 'llama';
  const randn = rng(opts.seed ?? 7);
  const strength = opts.strength ?? 0.01;
  const s = new Sink();
  const kv: Array<(x: Sink) => void> = [
    (x) => (x.str('general.architecture'), x.u32(GT.STRING), x.str(arch)),
    (x) => (x.str('general.type'), x.u32(GT.STRING), x.str('adapter')),
    (x) => (x.str('adapter.type'), x.u32(GT.STRING), x.str('lora')),
    (x) => (x.str('adapter.lora.alpha'), x.u32(GT.FLOAT32), x.f32(opts.alpha ?? R * 2)),
    (x) => (x.str('general.alignment'), x.u32(GT.UINT32), x.u32(ALIGN)),
  ];
  const tensors: Array<{ name: string; dims: number[]; bytes: Buffer; offset: number }> = [];
  const add = (name: string, dims: number[], scale: number) => {
    const d = new Float32Array(dims[0]! * dims[1]!);
    for (let i = 0; i < d.length; i++) d[i] = randn() * scale;
    tensors.push({ name, dims, bytes: Buffer.from(d.buffer), offset: 0 });
  };
  for (let l = 0; l < L; l++)
    for (const t of ['attn_q', 'attn_v']) {
      add(`blk.${l}.${t}.weight.lora_a`, [E, R], 0.1);
      add(`blk.${l}.${t}.weight.lora_b`, [R, E], strength);
    }
  const pad = (n: number) => (ALIGN - (n % ALIGN)) % ALIGN;
  let offset = 0;
  for (const t of tensors) {
    t.offset = offset;
    offset += t.bytes.length + pad(t.bytes.length);
  }
  s.push(Buffer.from('GGUF', 'ascii'));
  s.u32(3);
  s.u64(tensors.length);
  s.u64(kv.length);
  for (const w of kv) w(s);
  for (const t of tensors) {
    s.str(t.name);
    s.u32(t.dims.length);
    for (const d of t.dims) s.u64(d);
    s.u32(GGML_F32);
    s.u64(t.offset);
  }
  s.push(Buffer.alloc(pad(s.length)));
  for (const t of tensors) {
    s.push(t.bytes);
    s.push(Buffer.alloc(pad(t.bytes.length)));
  }
  return Buffer.concat(s.parts);
}

/** Writes a tiny GGUF to `path` and returns the path. */
export function writeTinyGguf(path: string, opts: TinyGgufOptions = {}): string {
  writeFileSync(path, makeTinyGguf(opts));
  return path;
}

/**
 * Makes node-llama-cpp importable for tests: an explicit TML_LLAMA_CPP_PATH wins (vitest.config.ts
 * points it at `.test-deps/llama`, which `npm test` installs once), else a normal install. Throws
 * when none exists, so embedded tests fail rather than silently skip.
 */
export function ensureLlamaCppForTests(): string | undefined {
  const dir = process.env.TML_LLAMA_CPP_PATH;
  if (dir && existsSync(join(dir, 'node_modules', 'node-llama-cpp', 'package.json'))) return dir;
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  // Compiled copies live in dist/test/support; the repo root is one level further up there.
  const root = existsSync(join(repo, 'package.json')) ? repo : resolve(repo, '..');
  if (!dir && existsSync(join(root, 'node_modules', 'node-llama-cpp', 'package.json'))) return undefined;
  throw new Error(
    `node-llama-cpp is not installed for the embedded tests${dir ? ` (looked in TML_LLAMA_CPP_PATH=${dir})` : ''}; ` +
      'run `node scripts/test-extras.mjs` (npm test runs it first)',
  );
}
