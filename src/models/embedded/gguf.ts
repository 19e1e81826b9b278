import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ProviderError } from '../../errors.js';

/**
 * A dependency-free GGUF header reader. It runs before node-llama-cpp is even imported, so
 * `models` can list files with their context length cheaply, and a bad file (wrong magic,
 * truncated download, unknown architecture) fails with one clear line instead of a native
 * abort. Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (v2/v3, little-endian).
 */

/** A metadata value: scalars as-is, arrays summarised by their length (token lists are huge). */
export type GgufValue = string | number | bigint | boolean | { arrayLength: number };

/** What the header says about a model file. */
export interface GgufInfo {
  path: string;
  version: number;
  sizeBytes: number;
  architecture?: string;
  name?: string;
  contextLength?: number;
  embeddingLength?: number;
  blockCount?: number;
  /** Present on embedding models (bert, nomic-bert, …). */
  poolingType?: number;
  hasChatTemplate: boolean;
  tensorCount: number;
  /** Tensor name → dimensions (ggml order: ne0 first), for adapter checks. */
  tensors?: Record<string, number[]>;
  /** Scalar metadata keys and array lengths. */
  metadata: Record<string, GgufValue>;
}

/** Why a file was rejected: stable strings for --json output and tests. */
export type GgufProblem = 'not-found' | 'not-gguf' | 'truncated' | 'unsupported-version' | 'unknown-architecture';

/** One-line error about a model file; not retryable, so the fallback chain moves on. */
export function ggufError(problem: GgufProblem, path: string, message: string, hint: string): ProviderError {
  return new ProviderError(problem === 'not-found' ? 'MODEL_NOT_FOUND' : 'PROVIDER_ERROR', message, {
    hint,
    retryable: false,
    details: { provider: 'llama-cpp', path, problem },
  });
}

const TRUNCATED_HINT = 'the file is incomplete (interrupted download or copy?); download it again';

// [elements per block, bytes per block] for ggml types whose layout is certain; others are only
// checked against their start offset.
const GGML_TYPE_SIZE: Record<number, [number, number]> = {
  0: [1, 4],
  1: [1, 2],
  2: [32, 18],
  3: [32, 20],
  6: [32, 22],
  7: [32, 24],
  8: [32, 34],
  10: [256, 84],
  11: [256, 110],
  12: [256, 144],
  13: [256, 176],
  14: [256, 210],
  15: [256, 292],
  24: [1, 1],
  25: [1, 2],
  26: [1, 4],
  27: [1, 8],
  28: [1, 8],
  30: [1, 2],
};
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

class Truncated extends Error {}

/** Buffered sequential reader over a file descriptor; running past EOF throws Truncated. */
class FileReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  bytes(n: number): Buffer {
    if (this.pos + n > this.size) throw new Truncated();
    const rel = this.pos - this.bufStart;
    if (rel < 0 || rel + n > this.buf.length) {
      const len = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
      this.buf = Buffer.alloc(len);
      readSync(this.fd, this.buf, 0, len, this.pos);
      this.bufStart = this.pos;
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }
  skip(n: number): void {
    if (this.pos + n > this.size) throw new Truncated();
    this.pos += n;
  }
  u32(): number {
    return this.bytes(4).readUInt32LE(0);
  }
  u64(): number {
    const v = this.bytes(8).readBigUInt64LE(0);
    // Larger than any real file: a corrupt length field, treated like running past EOF.
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Truncated();
    return Number(v);
  }
  str(): string {
    return this.bytes(this.u64()).toString('utf8');
  }
  scalar(type: number): string | number | bigint | boolean {
    const b = this.bytes(SCALAR_SIZE[type] ?? 0);
    switch (type) {
      case 0:
        return b.readUInt8(0);
      case 1:
        return b.readInt8(0);
      case 2:
        return b.readUInt16LE(0);
      case 3:
        return b.readInt16LE(0);
      case 4:
        return b.readUInt32LE(0);
      case 5:
        return b.readInt32LE(0);
      case 6:
        return b.readFloatLE(0);
      case 7:
        return b.readUInt8(0) !== 0;
      case 10:
        return b.readBigUInt64LE(0);
      case 11:
        return b.readBigInt64LE(0);
      case 12:
        return b.readDoubleLE(0);
      default:
        throw new Truncated();
    }
  }
  value(type: number): GgufValue {
    if (type === 8) return this.str();
    if (type !== 9) return this.scalar(type);
    const et = this.u32();
    const n = this.u64();
    if (et === 8) for (let i = 0; i < n; i++) this.skip(this.u64());
    else if (et === 9) for (let i = 0; i < n; i++) this.value(9);
    else if (SCALAR_SIZE[et]) this.skip(n * SCALAR_SIZE[et]!);
    else throw new Truncated();
    return { arrayLength: n };
  }
}

function num(v: GgufValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** Reads a GGUF file's header, metadata and tensor table; throws a ProviderError for bad files. */
export function readGgufInfo(path: string): GgufInfo {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw ggufError(
      'not-found',
      path,
      `model file ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      'check the path in local.registry, or list available files with `task-master-local models`',
    );
  }
  try {
    const size = fstatSync(fd).size;
    const r = new FileReader(fd, size);
    try {
      return parse(r, path);
    } catch (e) {
      if (e instanceof Truncated) {
        throw ggufError(
          'truncated',
          path,
          `${path} is a truncated GGUF file (${size} bytes, header or tensor data cut off)`,
          TRUNCATED_HINT,
        );
      }
      throw e;
    }
  } finally {
    closeSync(fd);
  }
}

function parse(r: FileReader, path: string): GgufInfo {
  const head = r.size >= 4 ? r.bytes(4).toString('latin1') : '';
  if (head !== 'GGUF') {
    throw ggufError(
      'not-gguf',
      path,
      `${path} is not a GGUF model file (no GGUF magic at the start)`,
      'the embedded provider runs .gguf files (e.g. from Hugging Face, or an Ollama blob); convert other formats with llama.cpp',
    );
  }
  const version = r.u32();
  if (version < 2 || version > 3) {
    throw ggufError(
      'unsupported-version',
      path,
      `${path} is GGUF version ${version}; llama.cpp reads versions 2 and 3`,
      'get a newer conversion of this model',
    );
  }
  const tensorCount = r.u64();
  const kvCount = r.u64();
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < kvCount; i++) {
    const key = r.str();
    metadata[key] = r.value(r.u32());
  }
  const alignment = num(metadata['general.alignment']) ?? 32;
  let dataEnd = 0;
  const tensors: Record<string, number[]> = {};
  for (let i = 0; i < tensorCount; i++) {
    const name = r.str();
    const nDims = r.u32();
    let elements = 1;
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) {
      dims.push(r.u64());
      elements *= dims[d]!;
    }
    tensors[name] = dims;
    const type = r.u32();
    const offset = r.u64();
    const t = GGML_TYPE_SIZE[type];
    dataEnd = Math.max(dataEnd, offset + (t ? Math.ceil(elements / t[0]) * t[1] : 1));
  }
  const dataStart = Math.ceil(r.pos / alignment) * alignment;
  if (tensorCount > 0 && dataStart + dataEnd > r.size) throw new Truncated();
  const arch = typeof metadata['general.architecture'] === 'string' ? metadata['general.architecture'] : undefined;
  const k = (suffix: string) => (arch ? num(metadata[`${arch}.${suffix}`]) : undefined);
  return {
    path,
    version,
    sizeBytes: r.size,
    architecture: arch,
    name: typeof metadata['general.name'] === 'string' ? metadata['general.name'] : undefined,
    contextLength: k('context_length'),
    embeddingLength: k('embedding_length'),
    blockCount: k('block_count'),
    poolingType: k('pooling_type'),
    hasChatTemplate: typeof metadata['tokenizer.chat_template'] === 'string',
    tensorCount,
    tensors,
    metadata,
  };
}
