/**
 * The vocabulary every layer shares: task types, deployment modes, model tiers and provider kinds.
 * It lives with config (the lowest layer that validates it); models/types.ts re-exports it.
 */
/** What a model call is for; routing picks models by it. */
export const TaskType = {
  GENERAL: 'GENERAL',
  RESEARCH: 'RESEARCH',
  CODE_GENERATION: 'CODE_GENERATION',
  ANALYSIS: 'ANALYSIS',
  PLANNING: 'PLANNING',
  OPTIMIZATION: 'OPTIMIZATION',
  /** Work a model was set up for (a fine-tune, a domain model): routed to it only where it is named. */
  SPECIALIZED: 'SPECIALIZED',
} as const;
export type TaskType = (typeof TaskType)[keyof typeof TaskType];
export const TASK_TYPES = Object.values(TaskType) as TaskType[];

/** Where model calls may go. LOCAL_ONLY refuses every non-local host before a socket opens. */
export const DeploymentMode = {
  LOCAL_ONLY: 'LOCAL_ONLY',
  EXTERNAL_ONLY: 'EXTERNAL_ONLY',
  HYBRID: 'HYBRID',
  LOCAL_PREFERRED: 'LOCAL_PREFERRED',
  EXTERNAL_PREFERRED: 'EXTERNAL_PREFERRED',
} as const;
export type DeploymentMode = (typeof DeploymentMode)[keyof typeof DeploymentMode];
export const DEPLOYMENT_MODES = Object.values(DeploymentMode) as DeploymentMode[];

/**
 * Rough size/quality class of a model; routing sends complex work to higher tiers. SPECIALIZED is a
 * model kept for its own work: automatic routing tries it last.
 */
export const ModelTier = { SMALL: 'SMALL', MEDIUM: 'MEDIUM', LARGE: 'LARGE', SPECIALIZED: 'SPECIALIZED' } as const;
export type ModelTier = (typeof ModelTier)[keyof typeof ModelTier];
export const MODEL_TIERS = Object.values(ModelTier) as ModelTier[];

/** Kinds of model server / runtime. localai, lmstudio and openai-compatible share one wire protocol. */
export const ProviderKind = {
  OLLAMA: 'ollama',
  LMSTUDIO: 'lmstudio',
  LOCALAI: 'localai',
  OPENAI_COMPATIBLE: 'openai-compatible',
  LLAMA_CPP: 'llama-cpp',
  ANTHROPIC: 'anthropic',
  OPENAI: 'openai',
  PERPLEXITY: 'perplexity',
} as const;
export type ProviderKind = (typeof ProviderKind)[keyof typeof ProviderKind];
export const PROVIDER_KINDS = Object.values(ProviderKind) as ProviderKind[];
export const EXTERNAL_PROVIDER_KINDS: readonly ProviderKind[] = ['anthropic', 'openai', 'perplexity'];

/**
 * The specification's ModelProvider enum, with our provider kind as each value, so
 * `provider: ModelProvider.LM_STUDIO` works wherever a provider kind is taken. (models/types.ts
 * also names its provider interface ModelProvider: one name, a value and a type.)
 */
export const SpecModelProvider = {
  OLLAMA: 'ollama',
  LM_STUDIO: 'lmstudio',
  LOCAL_AI: 'localai',
  ANTHROPIC: 'anthropic',
  OPENAI: 'openai',
  PERPLEXITY: 'perplexity',
  OPENAI_COMPATIBLE: 'openai-compatible',
  LLAMA_CPP: 'llama-cpp',
} as const satisfies Record<string, ProviderKind>;

/**
 * The one table from the specification's spellings to ours: provider names as its enum writes them
 * (LM_STUDIO, LOCAL_AI) and the spelling variants users type (lm-studio, llama_cpp).
 */
const PROVIDER_SPELLINGS: Record<string, ProviderKind> = {
  ...Object.fromEntries(Object.entries(SpecModelProvider).map(([k, v]) => [k.toLowerCase(), v])),
  'lm-studio': 'lmstudio',
  'local-ai': 'localai',
  llamacpp: 'llama-cpp',
  'llama.cpp': 'llama-cpp',
  openai_compatible: 'openai-compatible',
};

/** Our provider kind for a name in any accepted spelling ('LM_STUDIO', 'lmstudio', 'Ollama'), or undefined. */
export function normalizeProvider(name: string): ProviderKind | undefined {
  const n = name.trim().toLowerCase();
  if ((PROVIDER_KINDS as readonly string[]).includes(n)) return n as ProviderKind;
  return PROVIDER_SPELLINGS[n];
}

/** A task type or tier as typed ('code-generation', 'specialized') in our upper-case spelling. */
export function normalizeEnumName(name: string): string {
  return name
    .trim()
    .toUpperCase()
    .replace(/[-\s]+/g, '_');
}

/** Our tier for a name in any accepted spelling, or undefined. */
export function normalizeTier(name: string): ModelTier | undefined {
  const t = normalizeEnumName(name);
  return (MODEL_TIERS as string[]).includes(t) ? (t as ModelTier) : undefined;
}

/**
 * Providers task-master itself knows (the list of its model setup, 0.43): a role naming one of these
 * that is not ours is task-master's business (kept, and reported as unusable here); any other name
 * is a mistake in config.json.
 */
export const TASK_MASTER_PROVIDERS: readonly string[] = [
  'anthropic',
  'openai',
  'google',
  'zai',
  'zai-coding',
  'perplexity',
  'xai',
  'groq',
  'mistral',
  'azure',
  'openrouter',
  'bedrock',
  'ollama',
  'vertex',
  'lmstudio',
  'openai-compatible',
  'claude-code',
  'mcp',
  'gemini-cli',
  'grok-cli',
  'codex-cli',
];

/** Whether a role's provider name is one we run or one task-master runs (case-insensitive). */
export function isKnownProvider(name: string): boolean {
  const n = name.toLowerCase();
  return (PROVIDER_KINDS as readonly string[]).includes(n) || TASK_MASTER_PROVIDERS.includes(n);
}

/** The valid provider names, for messages: ours first, then task-master's others. */
export function validProvidersText(): string {
  const others = TASK_MASTER_PROVIDERS.filter((p) => !(PROVIDER_KINDS as readonly string[]).includes(p));
  return `${PROVIDER_KINDS.join(', ')} (task-master's own, not run here: ${others.join(', ')})`;
}
