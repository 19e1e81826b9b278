/**
 * LoRA adapters for embedded models: a registered model `<base.gguf>+lora:<adapter.gguf>` runs the
 * base with the adapter applied (node-llama-cpp's `createContext({lora})`). The adapter is checked
 * against the base from both GGUF headers before anything native loads: it must be a LoRA adapter
 * GGUF of the same architecture, and every `<tensor>.lora_a`/`.lora_b` pair must fit that base tensor.
 */
import { ProviderError } from '../../errors.js';
import type { GgufInfo } from './gguf.js';

/** Joins a base model and an adapter in one model reference. */
export const LORA_SEPARATOR = '+lora:';

/** `base+lora:adapter` → its parts (no adapter: the model as is). */
export function splitLoraModel(model: string): { base: string; adapter?: string } {
  const i = model.indexOf(LORA_SEPARATOR);
  return i < 0 ? { base: model } : { base: model.slice(0, i), adapter: model.slice(i + LORA_SEPARATOR.length) };
}

function refuse(adapter: GgufInfo, message: string, hint: string): ProviderError {
  return new ProviderError('VALIDATION', message, {
    hint,
    retryable: false,
    details: { provider: 'llama-cpp', path: adapter.path, problem: 'adapter-mismatch' },
  });
}

/** Throws one line when `adapter` is not a LoRA adapter for `base`; returns the pairs it adapts. */
export function checkLoraAdapter(
  base: Pick<GgufInfo, 'path' | 'architecture' | 'tensors'>,
  adapter: GgufInfo,
): { tensors: number; alpha?: number } {
  const m = adapter.metadata;
  if (m['general.type'] !== 'adapter' || m['adapter.type'] !== 'lora')
    throw refuse(
      adapter,
      `${adapter.path} is not a LoRA adapter (general.type ${String(m['general.type'] ?? 'unset')}, adapter.type ${String(m['adapter.type'] ?? 'unset')})`,
      "convert the adapter to GGUF with llama.cpp's convert_lora_to_gguf.py",
    );
  if (adapter.architecture !== base.architecture)
    throw refuse(
      adapter,
      `${adapter.path} is an adapter for architecture ${adapter.architecture ?? '(none)'}, but the base ${base.path} is ${base.architecture ?? '(none)'}`,
      'register the adapter with the base model it was trained on',
    );
  const a = adapter.tensors ?? {};
  // A base known only by its architecture (a model on an Ollama server): the server checks the shapes.
  if (!base.tensors) return { tensors: Object.keys(a).filter((n) => n.endsWith('.lora_a')).length };
  const baseTensors = base.tensors;
  let pairs = 0;
  for (const [name, dims] of Object.entries(a)) {
    if (!name.endsWith('.lora_a')) continue;
    const target = name.slice(0, -'.lora_a'.length);
    const b = a[`${target}.lora_b`];
    const w = baseTensors[target];
    const fits = b && w && dims[0] === w[0] && b[1] === w[1] && dims[1] === b[0];
    if (!fits)
      throw refuse(
        adapter,
        `${adapter.path} was trained for a different base: ${target} is ${w ? `[${w.join(', ')}]` : 'absent'} in ${base.path}, the adapter expects [${dims[0]}, ${b?.[1] ?? '?'}]`,
        'register the adapter with the base model it was trained on',
      );
    pairs++;
  }
  if (!pairs) throw refuse(adapter, `${adapter.path} holds no lora_a/lora_b tensors`, 'check the adapter file');
  const alpha = m['adapter.lora.alpha'];
  return { tensors: pairs, ...(typeof alpha === 'number' ? { alpha } : {}) };
}
