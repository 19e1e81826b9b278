/**
 * `optimize --target prompts`: variants of one prompt, composed from genes (the instruction wording,
 * examples drawn from the train split, an output hint), scored on the valid split by how close the
 * model's answers come to what the team kept (finetune's scorer). A variant is a whole template with
 * exactly the prompt's variables, so the winner can be written as a project prompt as it is.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import { scoreModel, type ModelScore } from '../finetune/eval.js';
import type { Example } from '../finetune/types.js';
import type { ChatMessage, ModelAPI, ModelRef } from '../models/types.js';
import { loadPrompt, renderTemplate, type TuningSet } from '../prompting/index.js';
import { mapLimit } from '../util/map-limit.js';
import type { Evaluator, FitnessResult, Genome } from './types.js';

/** Genome keys of `--target prompts`. */
export const PROMPT_GENOME_KEYS = ['wording', 'shots', 'shot_offset', 'hint'] as const;

/** Examples at most in one variant, and characters of an example's input and answer fields. */
const MAX_SHOTS = 2;
const INPUT_CHARS = 240;
const FIELD_CHARS = 160;
const ANSWER_ITEMS = 4;

/**
 * The raw spec. The first generation holds the template in effect (wording 0, no examples, no hint)
 * and every other wording as it is, so each wording is scored once before breeding starts.
 */
export function promptsSpec(set: TuningSet, trainShots: number): Record<string, unknown> {
  const shots = Math.min(MAX_SHOTS, trainShots);
  return {
    genome: { wording: 0, shots: 0, shot_offset: 0, hint: 0 },
    initial_genomes: set.wordings.map((_, i) => ({ wording: i + 1, shots: 0, shot_offset: 0, hint: 0 })),
    ranges: {
      wording: { type: 'choice', values: Array.from({ length: set.wordings.length + 1 }, (_, i) => i) },
      shots: { type: 'int', min: 0, max: shots },
      shot_offset: { type: 'int', min: 0, max: Math.max(0, trainShots - 1) },
      hint: { type: 'choice', values: Array.from({ length: set.hints.length + 1 }, (_, i) => i) },
    },
    // Settled on bench/prompt-tune (a graded landscape, 2 best genomes of 150): runs of ≈ 55-60 distinct
    // evaluations; a stop after 8 flat generations lost the best in 3 seeds of 20, elitism 2 found it in 20/20.
    population_size: 8,
    max_generations: 16,
    elitism: 2,
    tournament_size: 3,
    mutation_rate: 0.3,
    plateau_generations: 0,
    seed: 42,
  };
}

/** The last user message of an example's request, split into its head (shared context) and its instruction. */
function splitRequest(ex: Example): { before: ChatMessage[]; head: string } | undefined {
  if (!ex.rendered) return undefined;
  const messages = ex.messages.slice(0, -1);
  const last = messages.at(-1);
  if (last?.role !== 'user') return undefined;
  const current = loadPrompt(ex.rendered.name, ex.rendered.vars, {
    ...(ex.rendered.version !== undefined ? { version: ex.rendered.version } : {}),
  }).text.trim();
  if (!last.content.endsWith(current)) return undefined;
  return { before: messages.slice(0, -1), head: last.content.slice(0, last.content.length - current.length) };
}

/** Examples of one prompt whose request can be rendered again with another template (rendered by the prompt in effect). */
export function tunableExamples(examples: readonly Example[], name: string): Example[] {
  return examples.filter((ex) => ex.rendered?.name === name && splitRequest(ex) !== undefined);
}

/** Text a template must not read as syntax: variables and role markers are broken up. */
function inert(s: string): string {
  return s.replace(/\{\{/g, '{ {').replace(/\}\}/g, '} }').replace(/^@@/gm, '@ @');
}

const clip = (s: string, n: number) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
};

/** One train example framed as a shot: the start of its input (fence lines dropped) and the kept answer, shortened. */
function shotText(set: TuningSet, ex: Example): string {
  const input = (splitRequest(ex)?.head ?? '')
    .split('\n')
    .filter((l) => !/^<<<(BEGIN|END) /.test(l))
    .join(' ');
  let answer: unknown;
  try {
    answer = JSON.parse(ex.messages.at(-1)!.content) as unknown;
  } catch {
    answer = ex.messages.at(-1)!.content;
  }
  const items = (answer as Record<string, unknown>)?.[set.answerKey];
  const short = Array.isArray(items)
    ? {
        [set.answerKey]: items
          .slice(0, ANSWER_ITEMS)
          .map((it: Record<string, unknown>) =>
            Object.fromEntries(
              Object.entries(it).map(([k, v]) => [k, typeof v === 'string' ? clip(v, FIELD_CHARS) : v]),
            ),
          ),
      }
    : answer;
  return renderTemplate(set.shot, { input: clip(input, INPUT_CHARS), answer: JSON.stringify(short) }, 'shot');
}

/** The template of a genome: the wording (0 = `base`, the template in effect), then the examples, then the hint. */
export function composeVariant(base: string, set: TuningSet, genome: Genome, train: readonly Example[]): string {
  const w = Number(genome.wording);
  const wording = (w === 0 ? base : (set.wordings[w - 1] ?? base)).trimEnd();
  const n = Math.min(Number(genome.shots), train.length);
  const shots: string[] = [];
  for (let i = 0; i < n; i++) shots.push(inert(shotText(set, train[(Number(genome.shot_offset) + i) % train.length]!)));
  const hint = Number(genome.hint) > 0 ? set.hints[Number(genome.hint) - 1] : undefined;
  return [wording, ...shots, ...(hint ? [hint] : [])].join('\n\n').concat('\n');
}

/** The examples asked again with `template` in place of the instruction they were rendered with. */
export function variantExamples(examples: readonly Example[], template: string, promptId: string): Example[] {
  return examples.map((ex) => {
    const r = splitRequest(ex)!;
    const instruction = renderTemplate(template, ex.rendered!.vars, promptId).trim();
    return {
      ...ex,
      promptId,
      messages: [...r.before, { role: 'user', content: `${r.head}${instruction}` }, ex.messages.at(-1)!],
    };
  });
}

/**
 * Fitness in [0, 1] of a score: token-F1 similarity to the kept answers (0 for invalid ones) weighs
 * 0.5, the schema-valid rate 0.3 and the task-count error 0.2 (as 1 / (1 + mean error)).
 */
export function promptFitness(s: ModelScore): number {
  const valid = s.schemaValidRate ?? (s.examples ? (s.examples - s.errors) / s.examples : 0);
  const count = s.taskCountError === undefined ? (valid > 0 ? 1 : 0) : 1 / (1 + s.taskCountError);
  return 0.5 * s.similarity + 0.3 * valid + 0.2 * count;
}

export const variantHash = (template: string) => createHash('sha256').update(template).digest('hex').slice(0, 12);

/** What the prompts evaluator needs: the data, the model and the tuning set. */
export interface PromptsEvaluatorOptions {
  api: ModelAPI;
  model: string | ModelRef;
  name: string;
  /** The template in effect (wording 0). */
  base: string;
  set: TuningSet;
  train: readonly Example[];
  valid: readonly Example[];
  /** Variants scored at once (each asks its examples one after the other). */
  concurrency?: number;
  onResult?: (r: FitnessResult, g: Genome) => void;
  signal?: AbortSignal;
}

/**
 * Scores genomes by their variant. Genomes that compose the same template share one evaluation, and
 * the model API's answer cache serves a variant asked in an earlier run, so a repeated variant costs no call.
 */
export function promptsEvaluator(o: PromptsEvaluatorOptions): {
  evaluator: Evaluator;
  score: (template: string) => Promise<{ fitness: number; score: ModelScore }>;
} {
  const memo = new Map<string, Promise<{ fitness: number; score: ModelScore }>>();
  const score = (template: string) => {
    const key = variantHash(template);
    let p = memo.get(key);
    if (!p) {
      const examples = variantExamples(o.valid, template, `${o.name}@tune-${key}`);
      p = scoreModel(o.api, o.model, examples, {
        cache: true,
        component: 'optimize-prompts',
        ...(o.signal ? { signal: o.signal } : {}),
      }).then((s) => ({ fitness: promptFitness(s), score: s }));
      p.catch(() => memo.delete(key));
      memo.set(key, p);
    }
    return p;
  };
  const evaluator: Evaluator = (genomes, onEach) =>
    mapLimit(genomes, o.concurrency ?? 2, async (g, i) => {
      const started = Date.now();
      const template = composeVariant(o.base, o.set, g, o.train);
      const { fitness, score: s } = await score(template);
      const details = {
        variant: variantHash(template),
        similarity: s.similarity,
        schemaValidRate: s.schemaValidRate ?? null,
        taskCountError: s.taskCountError ?? null,
        errors: s.errors,
        cached: s.cached,
      };
      // A variant whose answers are all invalid scores 0; only a model that did not answer fails it.
      const down = unreachable(s, String(typeof o.model === 'string' ? o.model : o.model.alias));
      const r: FitnessResult = down
        ? { ok: false, error: down.message, details }
        : { ok: true, fitness, details, durationMs: Date.now() - started };
      onEach?.(i, r);
      o.onResult?.(r, g);
      return r;
    });
  return { evaluator, score };
}

/** A failed baseline: the error of a call that says no model is there (exit 4), else nothing. */
export function unreachable(s: ModelScore, model: string): AppError | undefined {
  if (s.errors < s.examples || !s.firstError) return undefined;
  const code = s.firstError.code;
  const noModel = ['PROVIDER_UNREACHABLE', 'MODEL_NOT_FOUND', 'NO_MODEL_AVAILABLE', 'TIMEOUT', 'CIRCUIT_OPEN'];
  if (!code || !noModel.includes(code)) return undefined;
  return new AppError(code as 'PROVIDER_UNREACHABLE', `model ${model} did not answer: ${s.firstError.message}`, {
    hint: 'start the server or pull the model (check with `task-master-local health`), then run again',
  });
}
