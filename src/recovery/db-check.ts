import { isAppError, StorageError } from '../errors.js';
import type { DB } from '../storage/db.js';
import { quickCheck, repairDatabase, type RepairResult } from '../storage/db-repair.js';
import type { FailureRecoverySystem } from './system.js';

/** The handles `checkAndRepairDb` needs: the project's lazily opened DB and a way to close it. */
export interface DbHandle {
  path: string;
  db(): DB;
  close(): void;
}

/**
 * Opens the project's DB for recovery, repairing it first when it cannot be opened or fails
 * `quick_check` (closed first: the repair renames files under the connection). The damage and the
 * repair are recorded in the repaired DB as a failure and its successful `repair_db` attempt.
 * Throws a StorageError with a hint when the file cannot be repaired.
 */
export function openOrRepairDb(
  h: DbHandle,
  makeSystem: (db: DB) => FailureRecoverySystem,
): { db: DB; repair?: RepairResult } {
  let problem: string;
  try {
    problem = quickCheck(h.db());
    if (problem === 'ok') return { db: h.db() };
    h.close();
  } catch (e) {
    if (!isAppError(e) || e.code !== 'STORAGE') throw e;
    problem = (e as Error).message;
  }
  const failedMs = Date.now();
  const repair = repairDatabase(h.path, Date.now(), { allowReset: true });
  if (!repair.ok) {
    throw new StorageError(
      'STORAGE',
      `database ${h.path} could not be repaired: ${repair.steps.at(-1)?.detail ?? problem}`,
      {
        hint: 'move it aside by hand; tasks.json is not affected',
      },
    );
  }
  const db = h.db();
  // The operation that failed was opening a sound database: it is recovered once that works again.
  const after = quickCheck(db);
  const detail = repair.steps.map((s) => `${s.name}: ${s.detail}`).join('; ');
  makeSystem(db).reportFailure(
    new StorageError('STORAGE', `database ${h.path} is damaged: ${problem.slice(0, 200)}`, {
      details: { path: h.path },
    }),
    { component: 'storage', operation: 'open' },
    {
      atMs: failedMs,
      ...(after === 'ok'
        ? { recovered: { by: 'repair_db' as const, atMs: Date.now(), detail: `repaired and reopened: ${detail}` } }
        : {}),
    },
  );
  return { db, repair };
}
