import { z } from 'zod';
import type { ModelAPI } from '../models/types.js';
import { STRATEGIES, type ClassifiedFailure, type Diagnosis, type FailureContext, type FailureKind } from './types.js';

const SERVER_NAMES: Record<string, string> = {
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  localai: 'LocalAI',
  'openai-compatible': 'the OpenAI-compatible server',
  'llama-cpp': 'the embedded llama.cpp runtime',
};
const START_COMMANDS: Record<string, string> = {
  ollama: '`ollama serve`',
  lmstudio: '`lms server start`',
  localai: '`local-ai run`',
  'openai-compatible': 'its start command (e.g. `llama-server -m model.gguf --port <port>`)',
};

/** The command that starts a server of this kind, for hints. */
export function startCommand(provider: string | undefined): string {
  return START_COMMANDS[provider ?? 'ollama'] ?? START_COMMANDS['openai-compatible']!;
}

/** The command that fetches a missing model on a server of this kind. */
export function pullCommand(provider: string | undefined, model: string): string {
  if (provider === 'lmstudio') return `lms get ${model} && lms load ${model}`;
  if (provider === 'localai') return `local-ai models install ${model}`;
  return `ollama pull ${model}`;
}

/** "Ollama is not reachable at http://127.0.0.1:11434 — start it with `ollama serve`". */
export function unreachableHint(provider: string | undefined, endpoint: string | undefined): string {
  const name = SERVER_NAMES[provider ?? 'ollama'] ?? 'the model server';
  return `${name[0]!.toUpperCase()}${name.slice(1)} is not reachable at ${endpoint ?? 'its address'} — start it with ${startCommand(provider)}`;
}

function port(endpoint: string | undefined): string {
  try {
    return new URL(endpoint ?? '').port || '11434';
  } catch {
    return '11434';
  }
}

type RuleFn = (f: ClassifiedFailure, c: FailureContext) => Omit<Diagnosis, 'source' | 'evidence'>;

const m = (c: FailureContext) => c.model ?? '<model>';

// One rule per known signature; each names the cause and the command or setting that fixes it.
const RULES: Partial<Record<FailureKind, RuleFn>> = {
  server_unreachable: (_f, c) => ({
    probableCause: `the model server is not running or not listening at ${c.endpoint ?? 'the configured address'}`,
    recommendedStrategy: 'retry',
    fix: unreachableHint(c.provider, c.endpoint),
  }),
  ipv6_localhost: (_f, c) => ({
    probableCause: "'localhost' resolved to the IPv6 address ::1, where the server is not listening",
    recommendedStrategy: 'manual',
    fix: `use http://127.0.0.1:${port(c.endpoint)} instead of localhost (e.g. OLLAMA_HOST=127.0.0.1:${port(c.endpoint)})`,
  }),
  model_not_found: (_f, c) => ({
    probableCause: `model ${m(c)} is not pulled on ${c.endpoint ?? 'the server'}`,
    recommendedStrategy: c.provider === 'ollama' || !c.provider ? 'pull_model' : 'manual',
    fix: `run \`${pullCommand(c.provider, m(c))}\` (or \`task-master-local recover --run --allow-pull\`)`,
  }),
  no_model_loaded: (_f, c) => ({
    probableCause: 'LM Studio has no model loaded',
    recommendedStrategy: 'manual',
    fix: `load one with \`lms load ${c.model ?? '<model>'}\``,
  }),
  out_of_memory: (_f, c) => ({
    probableCause: `model ${m(c)} needs more memory than is free`,
    recommendedStrategy: 'fallback_model',
    fix: 'use a smaller model or a lower quantization (e.g. a q4_K_M tag), or a smaller context length',
  }),
  context_overflow: () => ({
    probableCause: "the prompt is longer than the model's context window",
    recommendedStrategy: 'shrink_input',
    fix: 'raise the context length (local.registry.<alias>.contextLength / num_ctx) or split the input into chunks',
  }),
  context_truncated: () => ({
    probableCause: 'the server silently truncated the prompt at the context limit',
    recommendedStrategy: 'shrink_input',
    fix: 'raise num_ctx (local.registry.<alias>.contextLength) or chunk the input',
  }),
  timeout: (_f, c) => ({
    probableCause: 'the model took too long; a cold model load can take minutes on CPU',
    recommendedStrategy: 'raise_timeout',
    fix: `raise local.timeouts.requestMs, or pre-load the model (\`ollama run ${m(c)} ""\`)`,
  }),
  server_busy: () => ({
    probableCause: 'the server queue is full (too many concurrent requests)',
    recommendedStrategy: 'retry',
    fix: 'lower local.concurrency or raise OLLAMA_NUM_PARALLEL / OLLAMA_MAX_QUEUE on the server',
  }),
  http_error: () => ({ probableCause: 'the model server returned an error status', recommendedStrategy: 'retry' }),
  stream_error: () => ({ probableCause: 'the answer stream broke off', recommendedStrategy: 'retry' }),
  invalid_output: () => ({
    probableCause: 'the model answered with JSON that does not match the schema',
    recommendedStrategy: 'fallback_model',
    fix: 'set a stronger model for this role (`task-master-local models --set-fallback <model>`)',
  }),
  truncated_output: () => ({
    probableCause: 'the answer was cut off at the token limit',
    recommendedStrategy: 'retry',
    fix: 'raise maxTokens for the role, or use a model with a larger context',
  }),
  circuit_open: () => ({
    probableCause: 'too many recent failures opened the circuit breaker for this provider',
    recommendedStrategy: 'retry',
  }),
  privacy_refused: () => ({
    probableCause: 'a call to a non-local host was refused by the deployment mode',
    recommendedStrategy: 'manual',
    fix: 'use a local model for this role, or change local.mode if external calls are intended',
  }),
  no_model_available: () => ({
    probableCause: 'no configured or discovered model is eligible for this task',
    recommendedStrategy: 'manual',
    fix: 'pull a chat model (`ollama pull llama3.2`) or set one with `task-master-local models --set-main <id>`',
  }),
  db_busy: () => ({
    probableCause: 'another process held the database write lock longer than busy_timeout',
    recommendedStrategy: 'retry',
    fix: 'wait for the other task-master-local process to finish',
  }),
  db_corrupt: () => ({
    probableCause: 'the SQLite file is damaged',
    recommendedStrategy: 'repair_db',
    fix: 'run `task-master-local recover --run` to check and repair it',
  }),
  disk_full: () => ({
    probableCause: 'the disk is full',
    recommendedStrategy: 'manual',
    fix: 'free disk space and rerun',
  }),
  tasks_file: () => ({
    probableCause: 'tasks.json could not be read or written',
    recommendedStrategy: 'manual',
    fix: 'check .taskmaster/tasks/tasks.json (valid JSON, writable, no stale lock file)',
  }),
  config_invalid: () => ({
    probableCause: '.taskmaster/config.json is invalid',
    recommendedStrategy: 'manual',
    fix: 'fix the field named in the error, or remove it to use the default',
  }),
  latency_degradation: (_f, c) => ({
    probableCause: `model ${m(c)} answers much slower than its own baseline (memory pressure, swapping or a busy server)`,
    recommendedStrategy: 'fallback_model',
    fix: 'check the server load (`ollama ps`), use a smaller model, or lower local.concurrency',
  }),
  failure_rate_rising: (_f, c) => ({
    probableCause: `calls to ${m(c)} fail more often than before`,
    recommendedStrategy: 'fallback_model',
    fix: 'look at `task-master-local recover` for the failing calls',
  }),
};

/** Diagnosis from known signatures; undefined for failures no rule knows. */
export function diagnoseByRules(f: ClassifiedFailure): Diagnosis | undefined {
  const rule = RULES[f.kind];
  if (!rule) return undefined;
  const evidence = [`${f.kind}: ${f.message}`];
  if (f.status !== undefined) evidence.push(`HTTP status ${f.status}`);
  if (f.code) evidence.push(`code ${f.code}`);
  return { ...rule(f, f.context), evidence, source: 'rule' };
}

/** What the local model must answer when asked about an unknown failure. */
export const ModelDiagnosisSchema = z.object({
  probable_cause: z.string().min(1),
  evidence: z.array(z.string()).max(8),
  recommended_strategy: z.enum(STRATEGIES),
});

/**
 * Rules first; for unknown failures asks the local model for a structured reading;
 * without a model (or when it fails too) the cause stays "unknown".
 */
export async function diagnose(f: ClassifiedFailure, api?: ModelAPI, signal?: AbortSignal): Promise<Diagnosis> {
  const byRule = diagnoseByRules(f);
  if (byRule) return byRule;
  if (api) {
    try {
      const answer = await api.generateObject(
        {
          type: 'ANALYSIS',
          component: 'recovery',
          promptId: 'recovery-diagnose@1',
          temperature: 0,
          signal,
          messages: [
            {
              role: 'system',
              content:
                'You diagnose failures of a CLI that runs local LLMs (Ollama, LM Studio, LocalAI) and stores data in SQLite. ' +
                `Answer with the most probable cause, the evidence from the error, and one strategy of: ${STRATEGIES.join(', ')}.`,
            },
            {
              role: 'user',
              content: JSON.stringify({
                kind: f.kind,
                type: f.type,
                message: f.message,
                code: f.code,
                status: f.status,
                context: f.context,
              }),
            },
          ],
        },
        ModelDiagnosisSchema,
      );
      return {
        probableCause: answer.value.probable_cause,
        evidence: answer.value.evidence,
        recommendedStrategy: answer.value.recommended_strategy,
        source: 'model',
      };
    } catch {
      // The model is an optional helper here; its own failure is recorded by the model API.
    }
  }
  return { probableCause: 'unknown', evidence: [f.message], recommendedStrategy: 'retry', source: 'unknown' };
}
