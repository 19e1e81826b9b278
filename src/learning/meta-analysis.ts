/**
 * Meta-analysis by the local model: it reads the aggregated statistics (never raw PRDs) and may
 * add proposals. Each one is checked against the data before it is kept: a role change must name a
 * model with recorded calls that did better than the role's current one, a setting must be in
 * range, and evidence must quote at least one number. Anything else is dropped with a note.
 */
import { z } from 'zod';
import { loadPrompt, toMessages } from '../prompting/index.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { ModelAPI } from '../models/types.js';
import type { Analysis } from './proposals.js';
import { sameModel } from './proposals.js';
import type { Proposal } from './types.js';

const MetaSchema = z.object({
  proposals: z
    .array(
      z.object({
        kind: z.enum(['role-model', 'setting', 'advice']),
        target: z.string().describe('role name, setting key or advice key'),
        value: z.string().describe('model id or new value'),
        evidence: z.string(),
        expected_effect: z.string(),
        confidence: z.number().min(0).max(1),
      }),
    )
    .max(8),
});

const SETTING_RANGES: Record<string, [number, number]> = {
  concurrency: [1, 64],
  'timeouts.requestMs': [1000, 3_600_000],
  'timeouts.idleMs': [1000, 3_600_000],
  retries: [0, 10],
};
const ADVICE_KEYS = new Set(['depth', 'prompt-version', 'num_ctx', 'expand-threshold']);

/** Asks the model for extra proposals and keeps the ones the data supports. */
export async function metaAnalysis(
  api: ModelAPI,
  config: ResolvedConfig,
  a: Analysis,
  signal?: AbortSignal,
): Promise<{ proposals: Proposal[]; notes: string[] }> {
  const prompt = loadPrompt('improve-meta', {
    config: JSON.stringify({
      roles: Object.fromEntries(Object.entries(config.roles).map(([r, c]) => [r, c?.modelId])),
      concurrency: config.local.concurrency,
      timeouts: config.local.timeouts,
      retries: config.local.retries,
    }),
    stats: JSON.stringify(a.models),
    existing: JSON.stringify(a.proposals.map((p) => p.change)),
  });
  const ans = await api.generateObject(
    {
      type: 'ANALYSIS',
      messages: toMessages(prompt),
      promptId: prompt.id,
      component: 'learning',
      ...(signal ? { signal } : {}),
    },
    MetaSchema,
  );
  const kept: Proposal[] = [];
  const notes: string[] = [];
  for (const p of ans.value.proposals) {
    const why = check(p, config, a);
    if (why) {
      notes.push(`meta-analysis: dropped ${p.kind} ${p.target}=${p.value}: ${why}`);
      continue;
    }
    const change: Proposal['change'] =
      p.kind === 'role-model'
        ? { kind: 'role-model', role: p.target as 'main', from: config.roles[p.target as 'main']?.modelId, to: p.value }
        : p.kind === 'setting'
          ? { kind: 'setting', key: p.target as 'concurrency', to: Number(p.value) }
          : { kind: 'advice', key: p.target as 'depth', to: p.value };
    kept.push({
      change,
      evidence: p.evidence,
      expected_effect: p.expected_effect,
      confidence: Math.min(p.confidence, 0.8),
      origin: 'meta-analysis',
    });
  }
  return { proposals: kept, notes };
}

function check(
  p: z.infer<typeof MetaSchema>['proposals'][number],
  config: ResolvedConfig,
  a: Analysis,
): string | undefined {
  if (!/\d/.test(p.evidence)) return 'its evidence quotes no figure';
  if (
    a.proposals.some(
      (x) => x.change.kind === p.kind && ('role' in x.change ? x.change.role : x.change.key) === p.target,
    )
  )
    return 'already proposed from the statistics';
  if (p.kind === 'role-model') {
    if (!['main', 'research', 'fallback'].includes(p.target)) return `unknown role '${p.target}'`;
    const stats = a.models[p.target === 'research' ? 'research' : 'main'] ?? [];
    const to = stats.find((m) => sameModel(m.model, p.value));
    if (!to) return `no recorded calls of '${p.value}'`;
    const cur = config.roles[p.target as 'main']?.modelId;
    const from = cur ? stats.find((m) => sameModel(m.model, cur)) : undefined;
    if (from && to.validRate <= from.validRate) return `${p.value} did not do better than ${cur} in the data`;
    return undefined;
  }
  if (p.kind === 'setting') {
    const range = SETTING_RANGES[p.target];
    const v = Number(p.value);
    if (!range) return `unknown setting '${p.target}'`;
    if (!Number.isInteger(v) || v < range[0] || v > range[1]) return `value out of range ${range[0]}–${range[1]}`;
    return undefined;
  }
  return ADVICE_KEYS.has(p.target) ? undefined : `unknown advice key '${p.target}'`;
}
