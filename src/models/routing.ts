import type { DeploymentMode, ModelRef, TaskType } from './types.js';
import { modeAllows, type PrivacyContext } from './privacy.js';

/** The effective role models (configured or defaulted) routing starts from. */
export interface RoleRefs {
  main?: ModelRef;
  research?: ModelRef;
  fallback?: ModelRef;
}

/** Lets learned routing (Thompson sampling) reorder the eligible candidates; must return a permutation. */
export type RankCandidates = (task: RouteTask, candidates: ModelRef[]) => ModelRef[];

/** The parts of a TaskRequest routing reads. */
export interface RouteTask {
  type: TaskType;
  complexity?: number;
  /** Already resolved from the user's alias/id; goes first. */
  preferred?: ModelRef;
  /** Only the preferred model, no chain. */
  strict?: boolean;
}

export interface RouteInput {
  task: RouteTask;
  privacy: PrivacyContext;
  roles: RoleRefs;
  /** Every known model (registry and discovery), in discovery order. */
  models: readonly ModelRef[];
  rank?: RankCandidates;
}

export interface RouteResult {
  /** Models to try, in order. */
  candidates: ModelRef[];
  /** Models left out, and why (for `models`, logs and the NO_MODEL_AVAILABLE message). */
  excluded: { alias: string; reason: string }[];
  reason: string;
}

/** Identity of a model across aliases: the same model on the same server is tried once. */
export function refKey(r: ModelRef): string {
  return `${r.provider}|${r.endpoint ?? ''}|${r.model}`;
}

/**
 * 0 = try first. Hard work (>=8) goes to LARGE models; SMALL ones only lead for easy work (<=3);
 * a SPECIALIZED model is kept for its own work: first where a role names it, else after the others.
 */
function tierRank(r: ModelRef, complexity: number | undefined, configured: boolean): number {
  if (r.tier === 'SPECIALIZED') return configured ? 0 : 3;
  if (complexity === undefined) return 0;
  if (complexity >= 8) return r.tier === 'LARGE' ? 0 : r.tier === 'SMALL' ? 2 : 1;
  if (complexity <= 3) return 0;
  return r.tier === 'SMALL' ? 1 : 0;
}

function localityRank(r: ModelRef, mode: DeploymentMode): number {
  if (mode === 'LOCAL_PREFERRED') return r.local ? 0 : 1;
  if (mode === 'EXTERNAL_PREFERRED') return r.local ? 1 : 0;
  return 0;
}

/**
 * Pure routing: preferred model, then the role for the task type (RESEARCH → research role, then
 * main; others → main), then the fallback role, then other discovered chat models whose
 * capabilities cover the task. The mode filters (LOCAL_ONLY/EXTERNAL_ONLY) or orders
 * (*_PREFERRED) them; complexity orders by tier within that; HYBRID keeps the configured order.
 */
export function route(input: RouteInput): RouteResult {
  const { task, roles, privacy } = input;
  const excluded: RouteResult['excluded'] = [];
  const seen = new Set<string>();
  const ordered: { ref: ModelRef; configured: boolean }[] = [];
  const push = (ref: ModelRef | undefined, configured: boolean) => {
    if (!ref) return;
    const k = refKey(ref);
    if (seen.has(k)) return;
    seen.add(k);
    if (ref.embedding) return void excluded.push({ alias: ref.alias, reason: 'embedding model (not for chat)' });
    if (!modeAllows(ref, privacy)) {
      return void excluded.push({
        alias: ref.alias,
        reason: `${ref.local ? 'local' : 'external'} model not allowed in ${privacy.mode} (set by ${privacy.modeSource ?? 'default'})`,
      });
    }
    if (!configured && ref.capabilities.length > 0 && !ref.capabilities.includes(task.type)) {
      return void excluded.push({ alias: ref.alias, reason: `no ${task.type} capability` });
    }
    ordered.push({ ref, configured });
  };

  push(task.preferred, true);
  if (task.strict && task.preferred) {
    return { candidates: ordered.map((o) => o.ref), excluded, reason: `strict model ${task.preferred.alias}` };
  }
  const primary = task.type === 'RESEARCH' ? [roles.research, roles.main] : [roles.main];
  for (const r of primary) push(r, true);
  push(roles.fallback, true);
  for (const m of input.models) push(m, false);

  // Stable sort: the preferred model keeps first place; the rest by locality, then tier.
  const head = task.preferred && ordered[0]?.ref === task.preferred ? ordered.slice(0, 1) : [];
  const tail = ordered.slice(head.length);
  const score = (o: { ref: ModelRef; configured: boolean }) =>
    localityRank(o.ref, privacy.mode) * 10 + tierRank(o.ref, task.complexity, o.configured);
  const sorted = tail
    .map((o, i) => ({ o, i }))
    .sort((a, b) => score(a.o) - score(b.o) || a.i - b.i)
    .map((x) => x.o.ref);
  let rest = sorted;
  if (input.rank && rest.length > 1) {
    const ranked = input.rank(task, [...rest]);
    // Trust the hook only with a true permutation, so a buggy ranker can neither drop nor invent models.
    const same =
      ranked.length === rest.length &&
      new Set(ranked.map(refKey)).size === rest.length &&
      ranked.every((r) => seen.has(refKey(r)));
    if (same) rest = ranked;
  }
  const candidates = [...head.map((o) => o.ref), ...rest];
  const reason = task.preferred
    ? `requested ${task.preferred.alias}`
    : `${task.type === 'RESEARCH' ? 'research' : 'main'} role, mode ${privacy.mode}${task.complexity !== undefined ? `, complexity ${task.complexity}` : ''}`;
  return { candidates, excluded, reason };
}
