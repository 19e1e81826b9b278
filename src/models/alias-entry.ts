/** Validation of what `models --add`, imports and the library give for a registry alias or a mode. */
import type { ModelEntry } from '../config/schema.js';
import { ValidationError } from '../errors.js';
import { ModelConfigFactory } from './config-factory.js';
import { inspectModelRef, isEmbeddingModel } from './embedded/discover.js';
import {
  DEPLOYMENT_MODES,
  MODEL_TIERS,
  PROVIDER_KINDS,
  TASK_TYPES,
  normalizeEnumName,
  normalizeProvider,
  normalizeTier,
  type DeploymentMode,
  type TaskType,
} from './types.js';

/** Input of `addAlias`: what `models --add` and the library accept before validation. */
export interface AliasInput {
  provider: string;
  model: string;
  endpoint?: string;
  /** Several endpoints serving the model (a pool); duplicates are kept once. */
  endpoints?: string[];
  /** Requests each endpoint runs at once (else discovered from the server, or learned). */
  capacity?: number;
  /** Task types, case-insensitive; 'embedding' marks an embedding model. */
  capabilities?: string[];
  contextLength?: number;
  /** SMALL, MEDIUM, LARGE or SPECIALIZED, case-insensitive; unset = guessed from the model's size. */
  tier?: string;
}

/** Normalises a mode name ('local-only', 'local_only') or throws naming the valid ones. */
export function parseMode(value: string): DeploymentMode {
  const m = value.trim().toUpperCase().replace(/-/g, '_');
  if ((DEPLOYMENT_MODES as string[]).includes(m)) return m as DeploymentMode;
  throw new ValidationError(`unknown mode '${value}'`, { hint: `valid modes: ${DEPLOYMENT_MODES.join(', ')}` });
}

/** Validates alias input and builds the registry entry; throws naming the bad field. */
export function buildAliasEntry(alias: string, input: AliasInput, trustedHosts: readonly string[] = []): ModelEntry {
  if (!/^[A-Za-z0-9][\w.:@-]*$/.test(alias)) {
    throw new ValidationError(`invalid alias '${alias}'`, {
      hint: 'use letters, digits and . _ - : (e.g. local-llama3)',
    });
  }
  const provider = normalizeProvider(input.provider ?? '');
  if (!provider) {
    throw new ValidationError(`unknown provider '${input.provider}' for alias '${alias}'`, {
      hint: `valid providers: ${PROVIDER_KINDS.join(', ')} (or the specification's OLLAMA, LM_STUDIO, LOCAL_AI, …)`,
    });
  }
  const tier = input.tier === undefined ? undefined : normalizeTier(input.tier);
  if (input.tier !== undefined && !tier) {
    throw new ValidationError(`unknown tier '${input.tier}' for alias '${alias}'`, {
      hint: `valid tiers: ${MODEL_TIERS.join(', ')}`,
    });
  }
  let embedding: boolean | undefined;
  const caps: TaskType[] = [];
  for (const raw of input.capabilities ?? []) {
    const c = normalizeEnumName(raw);
    if (!c) continue;
    if (c === 'EMBEDDING' || c === 'EMBED') embedding = true;
    else if ((TASK_TYPES as string[]).includes(c)) caps.push(c as TaskType);
    else {
      throw new ValidationError(`unknown capability '${raw}' for alias '${alias}'`, {
        hint: `valid capabilities: ${TASK_TYPES.join(', ')}, EMBEDDING`,
      });
    }
  }
  const ref = ModelConfigFactory.create(provider, input.model ?? '', {
    alias,
    ...(input.endpoint ? { endpoint: input.endpoint } : {}),
    ...(input.endpoints && input.endpoints.length > 1 ? { endpoints: input.endpoints } : {}),
    ...(input.endpoints?.length === 1 && !input.endpoint ? { endpoint: input.endpoints[0]! } : {}),
    ...(input.capacity ? { capacity: input.capacity } : {}),
    ...(input.capabilities ? { capabilities: caps } : {}),
    ...(embedding ? { embedding } : {}),
    ...(input.contextLength ? { contextLength: input.contextLength } : {}),
    ...(tier ? { tier } : {}),
    trustedHosts,
  });
  // An embedded model is a file: check its GGUF header now (no native code) instead of at first use.
  if (ref.provider === 'llama-cpp' && isEmbeddingModel(inspectModelRef(ref.model)) && !input.capabilities)
    ref.embedding = true;
  return ModelConfigFactory.toEntry(ref);
}
