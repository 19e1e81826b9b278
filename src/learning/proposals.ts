/**
 * Proposals derived from recorded data only: nothing here names a model or a value. A change is
 * proposed when the posterior says the alternative is better than what is configured now with
 * probability >= MIN_CONFIDENCE and by a margin worth a change; weaker or contradictory evidence
 * becomes a note ("inconclusive"), never a change.
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { ModelTotals } from '../storage/learning-repo.js';
import type { LearningStore } from './types.js';
import { mean, posterior, probGreater, type Beta } from './beta.js';
import { quality } from './feedback.js';
import type { LearningExperience, Proposal } from './types.js';

/** Least posterior probability that the alternative is better before a change is proposed. */
export const MIN_CONFIDENCE = 0.9;
/** Least difference in posterior means worth a change. */
export const MIN_MARGIN = 0.1;
/** Least fresh calls (models) or runs (settings) on each side of a comparison. */
export const MIN_EVIDENCE = 3;

/** What analysis found: proposals, and notes explaining why other things were not proposed. */
export interface Analysis {
  proposals: Proposal[];
  notes: string[];
  models: Record<string, (ModelTotals & { validRate: number })[]>;
}

/** Same model, ignoring Ollama's implicit ":latest" tag. */
export function sameModel(a: string, b: string): boolean {
  const n = (s: string) => s.replace(/:latest$/, '');
  return n(a) === n(b);
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const ROLE_TASKS = { main: ['parse_prd', 'other'], research: ['research'] } as const;

function merge(rows: ModelTotals[]): ModelTotals[] {
  const by = new Map<string, ModelTotals>();
  for (const r of rows) {
    const k = `${r.provider}|${r.model}`;
    const m = by.get(k);
    if (!m) by.set(k, { ...r });
    else {
      for (const f of ['runs', 'calls', 'ok', 'invalid', 'errors', 'tokens', 'durationMs'] as const) m[f] += r[f];
      m.fellBack = (m.fellBack ?? 0) + (r.fellBack ?? 0);
    }
  }
  return [...by.values()];
}

/** Per role: is another model clearly better at giving valid answers than the configured one? */
function roleProposals(config: ResolvedConfig, repo: LearningStore, out: Analysis, roles: CurrentRoles): void {
  for (const role of ['main', 'research'] as const) {
    const totals = merge(ROLE_TASKS[role].flatMap((t) => repo.modelTotals({ taskType: t })));
    out.models[role] = totals.map((t) => ({ ...t, validRate: t.calls ? t.ok / t.calls : 0 }));
    const current = roles[role] ?? config.roles[role]?.modelId;
    if (!totals.length) continue;
    if (!current) {
      out.notes.push(`${role}: no model configured for the role; nothing to compare against`);
      continue;
    }
    const cur = totals.find((t) => sameModel(t.model, current));
    if (!cur || cur.calls < MIN_EVIDENCE) {
      out.notes.push(`${role}: only ${cur?.calls ?? 0} recorded calls of ${current}; need ${MIN_EVIDENCE} to judge it`);
      continue;
    }
    const post = (t: ModelTotals): Beta => posterior(t.ok, t.calls);
    const alts = totals
      .filter((t) => t !== cur && t.calls >= MIN_EVIDENCE)
      .sort((a, b) => mean(post(b)) - mean(post(a)));
    const best = alts[0];
    if (!best) continue;
    const p = probGreater(post(best), post(cur));
    const gap = mean(post(best)) - mean(post(cur));
    const handed = (t: ModelTotals) => (t.fellBack ? `, ${t.fellBack} handed to a fallback model` : '');
    const evidence =
      `${best.model}: ${best.ok}/${best.calls} calls valid (${pct(best.ok / best.calls)}, ${best.invalid} schema failures${handed(best)}) over ${best.runs} runs; ` +
      `${cur.model}: ${cur.ok}/${cur.calls} valid (${pct(cur.ok / cur.calls)}, ${cur.invalid} schema failures${handed(cur)}) over ${cur.runs} runs`;
    if (p >= MIN_CONFIDENCE && gap >= MIN_MARGIN) {
      out.proposals.push({
        change: { kind: 'role-model', role, from: current, to: best.model, provider: best.provider },
        evidence,
        expected_effect: `valid answers per call ${pct(mean(post(cur)))} → ${pct(mean(post(best)))} (posterior means); fewer re-asks and fallbacks`,
        confidence: round(p),
        origin: 'statistics',
      });
    } else if (p >= 0.5) {
      out.notes.push(
        `${role}: ${best.model} may be better than ${current}, but the evidence is inconclusive (P=${round(p)}; ${evidence}); no change proposed`,
      );
    } else
      out.notes.push(`${role}: ${current} does at least as well as the alternatives (${evidence}); no change proposed`);
  }
}

/**
 * Compares groups of runs by one setting (concurrency, depth, prompt version, threshold) on run
 * quality; proposes the best value when it beats the current one clearly.
 */
function settingProposal(
  exps: LearningExperience[],
  label: string,
  keyOf: (e: LearningExperience) => string | number | undefined,
  current: string | number | undefined,
  make: (to: string | number) => Proposal['change'],
  out: Analysis,
): void {
  if (current === undefined) return;
  const groups = new Map<string | number, LearningExperience[]>();
  for (const e of exps) {
    const k = keyOf(e);
    if (k !== undefined && k !== null && k !== '') groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const cur = groups.get(current);
  if (groups.size < 2 || !cur || cur.length < MIN_EVIDENCE) return;
  const post = (xs: LearningExperience[]) =>
    posterior(
      xs.reduce((s, e) => s + quality(e), 0),
      xs.length,
    );
  const alts = [...groups]
    .filter(([k, xs]) => k !== current && xs.length >= MIN_EVIDENCE)
    .sort((a, b) => mean(post(b[1])) - mean(post(a[1])));
  const best = alts[0];
  if (!best) return;
  const p = probGreater(post(best[1]), post(cur));
  const gap = mean(post(best[1])) - mean(post(cur));
  const evidence = `${label} ${best[0]}: quality ${pct(mean(post(best[1])))} over ${best[1].length} runs; ${label} ${current}: ${pct(mean(post(cur)))} over ${cur.length} runs`;
  if (p >= MIN_CONFIDENCE && gap >= MIN_MARGIN) {
    out.proposals.push({
      change: make(best[0]),
      evidence,
      expected_effect: `run quality (success, tasks kept) ${pct(mean(post(cur)))} → ${pct(mean(post(best[1])))}`,
      confidence: round(p),
      origin: 'statistics',
    });
  } else if (p >= 0.5)
    out.notes.push(
      `${label}: ${best[0]} may beat ${current}, but the evidence is inconclusive (P=${round(p)}; ${evidence}); no change proposed`,
    );
}

/** Timeouts: a role model that times out often gets a longer request timeout. */
function timeoutProposal(config: ResolvedConfig, repo: LearningStore, out: Analysis): void {
  const t = repo.errorCodes().filter((r) => r.code === 'TIMEOUT');
  const calls = repo.freshCalls();
  const n = t.reduce((s, r) => s + r.n, 0);
  if (n < MIN_EVIDENCE || !calls) return;
  const rate = posterior(n, calls);
  if (mean(rate) < 0.05) return;
  const from = config.local.timeouts.requestMs;
  out.proposals.push({
    change: { kind: 'setting', key: 'timeouts.requestMs', from, to: Math.min(3_600_000, from * 2) },
    evidence: `${n} of ${calls} recorded calls timed out (${t.map((r) => `${r.model}: ${r.n}`).join(', ')})`,
    expected_effect:
      'fewer timed-out calls and fallbacks on slow or cold models, at the cost of waiting longer for a hung server',
    confidence: round(1 - Math.exp(-n / 3)),
    origin: 'statistics',
  });
}

/** The model each role uses now (configured, or defaulted by the catalog); config roles when unknown. */
export type CurrentRoles = Partial<Record<'main' | 'research', string>>;

/** All statistical proposals for the project. */
export function analyse(
  config: ResolvedConfig,
  repo: LearningStore,
  exps: LearningExperience[],
  roles: CurrentRoles = {},
): Analysis {
  const out: Analysis = { proposals: [], notes: [], models: {} };
  roleProposals(config, repo, out, roles);
  const prd = exps.filter((e) => e.taskType === 'parse_prd' && e.action.strategy !== 'structural');
  const last = prd.at(-1);
  settingProposal(
    prd,
    'concurrency',
    (e) => e.action.settings?.concurrency as number | undefined,
    config.local.concurrency,
    (to) => ({ kind: 'setting', key: 'concurrency', from: config.local.concurrency, to: Number(to) }),
    out,
  );
  if (last) {
    settingProposal(
      prd,
      'depth',
      (e) => e.action.depth,
      last.action.depth,
      (to) => ({ kind: 'advice', key: 'depth', from: last.action.depth, to }),
      out,
    );
    const thr = (e: LearningExperience) => e.action.settings?.expandThreshold as number | undefined;
    settingProposal(
      prd,
      'expand threshold',
      thr,
      thr(last),
      (to) => ({ kind: 'advice', key: 'expand-threshold', from: thr(last), to }),
      out,
    );
    const prompt = (e: LearningExperience) =>
      (e.action.promptIds ?? [])
        .filter((p) => p.startsWith('parse-prd@'))
        .sort()
        .join(',') || undefined;
    settingProposal(
      prd,
      'prompt',
      prompt,
      prompt(last),
      (to) => ({ kind: 'advice', key: 'prompt-version', from: prompt(last), to }),
      out,
    );
  }
  timeoutProposal(config, repo, out);
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
