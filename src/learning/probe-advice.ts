/**
 * When the recorded data cannot settle the main role (its model fails often and nothing measured
 * beats it clearly), one line saying how much evidence there is and that `improve --probe` can
 * gather the rest. Probes record under the main role's task types, so only the main role is advised.
 */
import type { Analysis, CurrentRoles } from './proposals.js';
import { MIN_EVIDENCE, sameModel } from './proposals.js';
import type { Proposal } from './types.js';

/** Below this share of valid answers a model counts as failing often. */
export const FAILING_RATE = 0.9;

export function probeAdvice(
  a: Pick<Analysis, 'models'>,
  proposals: Proposal[],
  roles: CurrentRoles,
): string | undefined {
  const current = roles.main;
  if (!current) return undefined;
  if (proposals.some((p) => p.change.kind === 'role-model' && p.change.role === 'main')) return undefined;
  const ms = a.models.main ?? [];
  const cur = ms.find((m) => sameModel(m.model, current));
  if (!cur?.calls || cur.ok / cur.calls >= FAILING_RATE) return undefined;
  const alts = ms.filter((m) => m !== cur);
  const thin = alts.filter((m) => m.calls < MIN_EVIDENCE);
  const others = alts.map((m) => `${m.model} ${m.ok}/${m.calls}`).join(', ') || 'no other model measured';
  const why = alts.length && !thin.length ? 'not enough to tell them apart' : 'too few answers from the alternatives';
  return `evidence for main: ${cur.model} ${cur.ok}/${cur.calls} valid over ${cur.runs} runs; ${others} — ${why}; run \`task-master-local improve --probe\` to measure them on the fixed validation workload`;
}
