/**
 * Runs a dataset's test examples on a model and measures it against what the team kept: the share
 * of schema-valid answers (structured examples, asked with the schema parse-prd uses), the task-count
 * error, token-F1 similarity, latency and tokens. Every call goes through the model API.
 */
import type { ZodType } from 'zod';
import type { ModelAPI, ModelRef } from '../models/types.js';
import { TaskType } from '../models/types.js';
import { subtasksAnswerSchema, tasksAnswerSchema } from '../prd/schema.js';
import { compareAnswers } from './score.js';
import type { Example } from './types.js';

export interface ModelScore {
  model: string;
  examples: number;
  structured: number;
  schemaValid: number;
  schemaValidRate?: number;
  /** Mean |answer tasks − kept tasks| over schema-valid structured answers. */
  taskCountError?: number;
  /** Mean token F1 to the kept answer (invalid answers count 0). */
  similarity: number;
  latencyMsMean: number;
  tokens: number;
  errors: number;
  provider?: string;
  /** The first failed call's error (code and message), when one failed. */
  firstError?: { code?: string; message: string };
  /** Answers served by the model API's cache (no call made). */
  cached: number;
}

function schemaFor(ex: Example): ZodType<unknown> | undefined {
  if (ex.source === 'prd') return tasksAnswerSchema() as ZodType<unknown>;
  if (ex.source === 'expand') return subtasksAnswerSchema(8) as ZodType<unknown>;
  return undefined;
}

const parse = (s: string): unknown => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
};

/** A score with nothing counted yet. */
export function emptyScore(model: string): ModelScore {
  return {
    model,
    examples: 0,
    structured: 0,
    schemaValid: 0,
    similarity: 0,
    latencyMsMean: 0,
    tokens: 0,
    errors: 0,
    cached: 0,
  };
}

/** Scores one model on the examples, one call at a time (latency is per call). */
export async function scoreModel(
  api: ModelAPI,
  model: string | ModelRef,
  examples: readonly Example[],
  o: { signal?: AbortSignal; maxTokens?: number; cache?: boolean; component?: string } = {},
): Promise<ModelScore> {
  const name = typeof model === 'string' ? model : model.alias;
  const s = emptyScore(name);
  let sim = 0;
  let count = 0;
  let counted = 0;
  let ms = 0;
  for (const ex of examples) {
    const messages = ex.messages.slice(0, -1);
    const kept = parse(ex.messages.at(-1)!.content);
    const schema = schemaFor(ex);
    const task = {
      type: TaskType.PLANNING,
      messages,
      model,
      strictModel: true,
      noCache: !o.cache,
      component: o.component ?? 'finetune-eval',
      ...(ex.promptId ? { promptId: ex.promptId } : {}),
      ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    };
    s.examples++;
    if (schema) s.structured++;
    const t0 = performance.now();
    try {
      const a = schema ? await api.generateObject(task, schema) : await api.generateText(task);
      ms += performance.now() - t0;
      s.tokens += a.usage.promptTokens + a.usage.completionTokens;
      s.provider ??= a.model.provider;
      if (a.cached) s.cached++;
      if (schema) s.schemaValid++;
      const c = compareAnswers(a.value, kept);
      sim += c.similarity;
      if (c.countError !== undefined) {
        count += c.countError;
        counted++;
      }
    } catch (e) {
      ms += performance.now() - t0;
      const code = (e as { code?: string }).code;
      if (code === 'ABORTED') throw e;
      s.errors++;
      s.firstError ??= { ...(code ? { code } : {}), message: (e as Error).message };
    }
  }
  s.similarity = s.examples ? sim / s.examples : 0;
  s.latencyMsMean = s.examples ? ms / s.examples : 0;
  if (s.structured) s.schemaValidRate = s.schemaValid / s.structured;
  if (counted) s.taskCountError = count / counted;
  return s;
}
