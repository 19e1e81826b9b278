import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProviderError } from '../../errors.js';

/**
 * node-llama-cpp is an optional peer dependency: it is imported here, lazily, the first time a
 * llama-cpp model is used, so users who never run embedded models pay neither its install size
 * nor its load time. Only the small part of its API we call is typed, structurally, because its
 * type declarations are not installed with the default install.
 */

/** The pinned version the hints tell users to install. */
export const NODE_LLAMA_CPP_VERSION = '3.21.1';
/** Install command shown when node-llama-cpp is missing. */
export const INSTALL_HINT =
  `npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION} ` +
  `(CPU-only Linux x64, 83 MB instead of 730 MB: npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION} ` +
  `@node-llama-cpp/linux-x64@${NODE_LLAMA_CPP_VERSION} --omit=optional)`;

/** The slice of node-llama-cpp's API used by the embedded provider. */
export interface LlamaModule {
  getLlama(opts: Record<string, unknown>): Promise<Llama>;
  LlamaChatSession: new (opts: {
    contextSequence: LlamaSequence;
    systemPrompt?: string;
    autoDisposeSequence?: boolean;
    chatWrapper?: LlamaChatWrapper | 'auto';
  }) => LlamaSession;
  /** What a session's `chatWrapper: 'auto'` runs for its model (seconds of Jinja template tests on CPU). */
  resolveChatWrapper(model: LlamaModel): LlamaChatWrapper;
  resolveChatWrapper(options: {
    bosString?: string | null;
    architecture?: string;
    filename?: string;
    fileInfo?: LlamaModel['fileInfo'];
    tokenizer?: unknown;
    llama?: Llama;
  }): LlamaChatWrapper | null;
  /** Built-in wrapper classes by name, and the names resolveChatWrapper tests a Jinja template against. */
  chatWrappers: Record<string, unknown>;
  specializedChatWrapperTypeNames: readonly string[];
  getModuleVersion(): Promise<string>;
  LlamaLogLevel: Record<string, string>;
  GgufArchitectureType: Record<string, string>;
}
/** A node-llama-cpp runtime instance (binary loaded). */
export interface Llama {
  readonly llamaCppRelease: { release: string };
  loadModel(opts: { modelPath: string }): Promise<LlamaModel>;
  createGrammarForJsonSchema(schema: unknown): Promise<LlamaGrammar>;
  createGrammar(opts: { grammar: string }): Promise<LlamaGrammar>;
  getGrammarFor(type: 'json'): Promise<LlamaGrammar>;
}
/** How a model's chat is laid out in tokens (opaque to us). */
export interface LlamaChatWrapper {
  readonly wrapperName?: string;
}
/** A grammar that constrains sampling; `grammar` is its GBNF text. */
export interface LlamaGrammar {
  readonly grammar: string;
}
/** A loaded model. */
export interface LlamaModel {
  readonly trainContextSize: number;
  readonly tokens: { readonly bosString?: string | null };
  readonly fileInfo: {
    readonly metadata?: { general?: { architecture?: string }; tokenizer?: { chat_template?: unknown } };
  };
  readonly tokenizer: unknown;
  tokenize(text: string): number[];
  createContext(opts: {
    contextSize: number;
    sequences: number;
    threads: number;
    lora?: { adapters: { filePath: string; scale?: number }[] };
  }): Promise<LlamaContext>;
  createEmbeddingContext(opts: { contextSize: number; threads: number }): Promise<LlamaEmbeddingContext>;
  dispose(): Promise<void>;
}
/** A context with a fixed number of sequences (parallel conversations). */
export interface LlamaContext {
  getSequence(): LlamaSequence;
  dispose(): Promise<void>;
}
/** One conversation slot of a context. */
export interface LlamaSequence {
  readonly tokenMeter: { usedInputTokens: number; usedOutputTokens: number };
  clearHistory(): Promise<void>;
}
/** An embedding context. */
export interface LlamaEmbeddingContext {
  getEmbeddingFor(input: string | number[]): Promise<{ vector: readonly number[] }>;
  dispose(): Promise<void>;
}
/** History item in node-llama-cpp's chat format. */
export type LlamaHistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };
/** A chat session bound to one sequence. */
export interface LlamaSession {
  setChatHistory(history: LlamaHistoryItem[]): void;
  promptWithMeta(text: string, opts: Record<string, unknown>): Promise<{ responseText: string; stopReason: string }>;
  dispose(opts?: { disposeSequence?: boolean }): void;
}

let modulePromise: Promise<LlamaModule> | undefined;

function missing(cause: unknown, where: string): ProviderError {
  return new ProviderError(
    'PROVIDER_UNREACHABLE',
    `the embedded provider needs node-llama-cpp, which is not installed${where} (npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION})`,
    {
      hint: INSTALL_HINT,
      cause,
      retryable: false,
      details: { provider: 'llama-cpp', problem: 'module-missing' },
    },
  );
}

/**
 * Imports node-llama-cpp once per process. TML_LLAMA_CPP_PATH may name a directory it was
 * installed into with `npm install --prefix <dir>` (or the package directory itself): CI uses
 * that so the project's own node_modules stay exactly what package-lock.json says.
 */
export function loadLlamaModule(env: NodeJS.ProcessEnv = process.env): Promise<LlamaModule> {
  modulePromise ??= (async () => {
    const dir = env.TML_LLAMA_CPP_PATH;
    if (dir) {
      const entry = [
        join(dir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js'),
        join(dir, 'dist', 'index.js'),
      ].find(existsSync);
      if (!entry) throw missing(undefined, ` in TML_LLAMA_CPP_PATH=${dir}`);
      return (await import(pathToFileURL(entry).href)) as LlamaModule;
    }
    // A variable specifier keeps TypeScript from requiring the optional package's types.
    const spec = 'node-llama-cpp';
    try {
      return (await import(spec)) as LlamaModule;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw missing(e, '');
      throw e;
    }
  })();
  modulePromise.catch(() => (modulePromise = undefined));
  return modulePromise;
}

/** The last error lines llama.cpp logged; a failed load says why only there. */
export const nativeLog: string[] = [];

let llamaPromise: Promise<Llama> | undefined;

/** The process-wide llama.cpp runtime (CPU build unless a GPU binary is installed). */
export function getRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Llama> {
  llamaPromise ??= (async () => {
    const m = await loadLlamaModule(env);
    try {
      return await m.getLlama({
        // Never compile or download at run time: prebuilt binaries from npm or nothing. A GPU
        // binary is used when its package is installed; TML_LLAMA_GPU=false forces the CPU.
        build: 'never',
        gpu: env.TML_LLAMA_GPU === 'false' ? false : 'auto',
        progressLogs: false,
        logLevel: m.LlamaLogLevel.warn,
        // Library code never logs: keep llama.cpp's errors to explain a failed load instead.
        logger: (level: string, message: string) => {
          if (level === 'error' || level === 'fatal' || /error/i.test(message)) {
            nativeLog.push(message.trim());
            if (nativeLog.length > 20) nativeLog.shift();
          }
        },
      });
    } catch (e) {
      throw new ProviderError(
        'PROVIDER_UNREACHABLE',
        `node-llama-cpp found no usable llama.cpp binary: ${(e as Error).message}`,
        {
          hint: INSTALL_HINT,
          cause: e,
          retryable: false,
          details: { provider: 'llama-cpp', problem: 'binary-missing' },
        },
      );
    }
  })();
  llamaPromise.catch(() => (llamaPromise = undefined));
  return llamaPromise;
}
