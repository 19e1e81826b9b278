import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChatWrapperRemembered } from '../../../src/models/embedded/chat-wrapper.js';
import {
  getRuntime,
  loadLlamaModule,
  type Llama,
  type LlamaModel,
  type LlamaModule,
} from '../../../src/models/embedded/runtime.js';
import { ensureLlamaCppForTests, writeTinyGguf } from '../../support/make-tiny-gguf.js';

let dir: string;
let tiny: string;
let m: LlamaModule;
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  ensureLlamaCppForTests();
  dir = mkdtempSync(join(tmpdir(), 'tml-wrapper-'));
  tiny = writeTinyGguf(join(dir, 'tiny.gguf'));
  m = await loadLlamaModule();
  llama = await getRuntime();
  model = await llama.loadModel({ modelPath: tiny });
});
afterAll(async () => {
  await model?.dispose();
});

/** The module with its resolveChatWrapper calls recorded. */
function spied() {
  const calls: unknown[] = [];
  const mod = {
    ...m,
    resolveChatWrapper: (a: never) => {
      calls.push(a);
      return m.resolveChatWrapper(a);
    },
  } as LlamaModule;
  return { mod, calls };
}

describe('the chat wrapper picked for an embedded model is remembered across processes', () => {
  it('full search once, then the remembered wrapper ranked first; a wrong hint falls back to the full search', async () => {
    const store = join(dir, 'cache', 'chat-wrappers.json');
    const ChatML = m.chatWrappers.chatML;

    const first = spied();
    const w1 = await resolveChatWrapperRemembered(first.mod, llama, model, { path: tiny, store });
    expect(w1.constructor).toBe(ChatML);
    expect(first.calls).toEqual([model]); // what a session's 'auto' runs
    const saved = JSON.parse(readFileSync(store, 'utf8')) as Record<string, string>;
    expect(Object.values(saved)).toEqual(['chatML']);

    const second = spied();
    const w2 = await resolveChatWrapperRemembered(second.mod, llama, model, { path: tiny, store });
    expect(w2.constructor).toBe(ChatML);
    expect(second.calls).toHaveLength(1);
    expect(second.calls[0]).toMatchObject({ filename: 'chatML', fileInfo: model.fileInfo, llama });

    // A hint for a wrapper that does not fit this template: the answer is not taken, the full search runs.
    const key = Object.keys(saved)[0]!;
    writeFileSync(store, JSON.stringify({ [key]: 'llama3' }));
    const third = spied();
    const w3 = await resolveChatWrapperRemembered(third.mod, llama, model, { path: tiny, store });
    expect(w3.constructor).toBe(ChatML);
    expect(third.calls).toHaveLength(2);
    expect(third.calls[1]).toBe(model);
    expect(JSON.parse(readFileSync(store, 'utf8'))).toEqual({ [key]: 'chatML' });
  });
});
