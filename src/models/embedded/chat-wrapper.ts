/**
 * The chat wrapper of an embedded model, remembered across processes. node-llama-cpp picks it ('auto')
 * by rendering the model's Jinja chat template against every compatible built-in wrapper: about a
 * second of CPU for a ChatML template, paid again by every fresh process before its first answer.
 *
 * The pick is kept on disk per model file (path, size, mtime) and node-llama-cpp version. The next
 * process calls the same resolveChatWrapper with that wrapper ranked first (its `filename` option only
 * orders the candidates) and keeps the answer only when it is that very wrapper class: every wrapper
 * the full search tries before it failed the same deterministic test, and its options are tried in
 * the same order, so the full search would return the same wrapper with the same settings. Any other
 * answer (a stale hint, another wrapper matching first) falls back to the full search.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { atomicWriteFile } from '../../util/fs.js';
import type { Llama, LlamaChatWrapper, LlamaModel, LlamaModule } from './runtime.js';

/** Where the picks are kept: `$XDG_CACHE_HOME/task-master-local/chat-wrappers.json` (default ~/.cache). */
export function chatWrapperStore(env: NodeJS.ProcessEnv, home?: string): string {
  const base = env.XDG_CACHE_HOME || join(home ?? env.HOME ?? homedir(), '.cache');
  return join(base, 'task-master-local', 'chat-wrappers.json');
}

const MAX_ENTRIES = 100;

function readStore(file: string): Record<string, string> {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {}; // no file yet, or unreadable: the full search runs
  }
}

function writeStore(file: string, key: string, name: string): void {
  const entries = Object.entries(readStore(file)).filter(([k]) => k !== key);
  entries.push([key, name]);
  try {
    atomicWriteFile(file, `${JSON.stringify(Object.fromEntries(entries.slice(-MAX_ENTRIES)))}\n`);
  } catch {
    /* a read-only home only costs the next process the full search */
  }
}

function modelKey(path: string, version: string): string | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  return createHash('sha256').update(`${version}\u0000${path}\u0000${st.size}\u0000${st.mtimeMs}`).digest('hex');
}

/** The built-in wrapper name of an instance ('chatML', 'qwen', …), if it is one of the specialized ones. */
function specializedName(m: LlamaModule, w: LlamaChatWrapper): string | undefined {
  const name = Object.entries(m.chatWrappers).find(([, cls]) => cls === w.constructor)?.[0];
  return name && m.specializedChatWrapperTypeNames.includes(name) ? name : undefined;
}

/** What `chatWrapper: 'auto'` gives for this model, with the remembered pick tried first. */
export async function resolveChatWrapperRemembered(
  m: LlamaModule,
  llama: Llama,
  model: LlamaModel,
  o: { path: string; store: string },
): Promise<LlamaChatWrapper> {
  const template = model.fileInfo.metadata?.tokenizer?.chat_template;
  // Without a template node-llama-cpp decides from names alone, which costs nothing.
  if (typeof template !== 'string' || !template.trim()) return m.resolveChatWrapper(model);
  const key = modelKey(o.path, await m.getModuleVersion());
  const hinted = key ? readStore(o.store)[key] : undefined;
  const cls = hinted && m.specializedChatWrapperTypeNames.includes(hinted) ? m.chatWrappers[hinted] : undefined;
  if (cls) {
    const w = m.resolveChatWrapper({
      bosString: model.tokens.bosString,
      architecture: model.fileInfo.metadata?.general?.architecture,
      filename: hinted,
      fileInfo: model.fileInfo,
      tokenizer: model.tokenizer,
      llama,
    });
    if (w?.constructor === cls) return w;
  }
  const w = m.resolveChatWrapper(model);
  const name = specializedName(m, w);
  if (key && name && name !== hinted) writeStore(o.store, key, name);
  return w;
}
