import type { ImproveApplyResult } from '../../src/application/improve-apply.js';
import { proposalLines } from '../../src/learning/format.js';

/** What `improve` says when nothing is recorded yet. */
export const NO_DATA =
  'no experiences recorded yet: run `task-master-local parse-prd` or `task-master-local research "<question>"` a few times (each run is recorded), or add one with `improve record`';

/** `improve --apply`: what was applied (and the backup), the advice, and where to see the effect. */
export function applyLines(r: Extract<ImproveApplyResult, { set: number }>): string[] {
  const out: string[] = [];
  if (!r.applied.length) out.push(`improve --apply: nothing to apply in proposal set ${r.set}`);
  else
    out.push(
      `improve --apply: applied ${r.applied.length} change(s) from proposal set ${r.set} (backup ${r.backupPath}):`,
      ...proposalLines(r.applied),
    );
  if (r.advice.length) out.push('advice (pass as flags; not config settings):', ...proposalLines(r.advice));
  if (r.applied.length) out.push('the effect is measured on the next runs: see `task-master-local improve history`');
  return out;
}
