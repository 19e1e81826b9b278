/**
 * Applying proposals: only against the config they were computed from (else refuse and show the
 * diff), after a backup of config.json, through the config manager (validated, atomic, unknown
 * keys kept). Each applied change is recorded as an experiment with the statistics before it, so
 * `improve history` can show its measured effect on later runs.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { writeConfig } from '../config/load.js';
import { ModelConfigurationManager } from '../models/config-manager.js';
import type { ModelRef } from '../models/types.js';
import type { LearningStore } from './types.js';
import { quality } from './feedback.js';
import type { LearningExperience, LearningExperiment, Proposal } from './types.js';

/** The parts of config.json proposals depend on: role models, concurrency, timeouts, retries. */
export function configSnapshot(raw: Record<string, unknown>): Record<string, unknown> {
  const local = (raw.local && typeof raw.local === 'object' ? raw.local : {}) as Record<string, unknown>;
  const models = (raw.models && typeof raw.models === 'object' ? raw.models : {}) as Record<
    string,
    Record<string, unknown> | undefined
  >;
  const role = (r: string) => (models[r] ? { provider: models[r]!.provider, modelId: models[r]!.modelId } : null);
  return {
    'models.main': role('main'),
    'models.research': role('research'),
    'models.fallback': role('fallback'),
    'local.concurrency': local.concurrency ?? null,
    'local.timeouts': local.timeouts ?? null,
    'local.retries': local.retries ?? null,
  };
}

/** Lines `key: before → after` for every snapshot key that differs. */
export function snapshotDiff(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${JSON.stringify(before[k] ?? null)} → ${JSON.stringify(after[k] ?? null)}`);
}

/** Run-level figures of a set of experiences (the before/after of an experiment). */
export function runFigures(exps: LearningExperience[]): Record<string, number> {
  const n = exps.length;
  if (!n) return { runs: 0 };
  const avg = (f: (e: LearningExperience) => number | undefined) => {
    const xs = exps.map(f).filter((v): v is number => v !== undefined);
    return xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000 : NaN;
  };
  return {
    runs: n,
    quality: avg(quality),
    schemaValidRate: avg((e) => e.outcome.schemaValidRate),
    reasksPerRun: avg((e) => e.outcome.reasks),
    fallbacksPerRun: avg((e) => e.outcome.fallbacks),
    latencyMs: Math.round(avg((e) => e.outcome.latencyMs)),
  };
}

const taskTypeOf = (p: Proposal) =>
  p.change.kind === 'role-model' && p.change.role === 'research' ? 'research' : 'parse_prd';

/** What applying needs from the project. */
export interface ApplyDeps {
  repo: LearningStore;
  configPath: string;
  backupDir: string;
  /** Current raw config.json. */
  raw: Record<string, unknown>;
  trustedHosts: readonly string[];
  resolveModel: (id: string) => Promise<ModelRef>;
  now?: () => Date;
}

/**
 * Applies the appliable proposals (role models, settings) of a set; advice is returned, not applied.
 * Refuses when the config changed since the proposals were computed.
 */
export async function applyProposals(
  set: { id?: number; config: Record<string, unknown>; proposals: Proposal[] },
  d: ApplyDeps,
) {
  const diff = snapshotDiff(set.config, configSnapshot(d.raw));
  if (diff.length) {
    throw new AppError(
      'CONFLICT',
      `config.json changed since these proposals were made${set.id ? ` (set ${set.id})` : ''}: ${diff.join('; ')}`,
      {
        hint: 'run `task-master-local improve` again to propose against the current config',
        details: { diff },
      },
    );
  }
  const appliable = set.proposals.filter((p) => p.change.kind !== 'advice');
  const advice = set.proposals.filter((p) => p.change.kind === 'advice');
  if (!appliable.length)
    return { applied: [] as Proposal[], advice, backupPath: undefined, experiments: [] as number[] };
  // Resolve every model first, so an unknown one fails before anything is written.
  const refs = new Map<string, ModelRef>();
  for (const p of appliable)
    if (p.change.kind === 'role-model') refs.set(p.change.to, await d.resolveModel(p.change.to));
  const now = d.now?.() ?? new Date();
  mkdirSync(d.backupDir, { recursive: true });
  const backupPath = join(d.backupDir, `config.${now.toISOString().replace(/[:.]/g, '-')}.json`);
  if (existsSync(d.configPath)) copyFileSync(d.configPath, backupPath);
  else writeFileSync(backupPath, '{}\n');
  const mgr = new ModelConfigurationManager(d.configPath, { trustedHosts: d.trustedHosts });
  const roles = Object.fromEntries(
    appliable.flatMap((p) => (p.change.kind === 'role-model' ? [[p.change.role, refs.get(p.change.to)!]] : [])),
  );
  if (Object.keys(roles).length) mgr.apply({ roles });
  const settings = appliable.flatMap((p) => (p.change.kind === 'setting' ? [p.change] : []));
  if (settings.length) {
    writeConfig(d.configPath, (cur) => {
      const local = { ...((cur.local as Record<string, unknown>) ?? {}) };
      for (const s of settings) {
        if (s.key === 'timeouts.requestMs' || s.key === 'timeouts.idleMs') {
          local.timeouts = {
            ...((local.timeouts as Record<string, unknown>) ?? {}),
            [s.key.slice('timeouts.'.length)]: s.to,
          };
        } else local[s.key] = s.to;
      }
      return { ...cur, local };
    });
  }
  const experiments = d.repo.recordExperiments(
    set.id,
    appliable.map((p) => ({ change: p, backupPath, baseline: runFigures(d.repo.list({ taskType: taskTypeOf(p) })) })),
    now.toISOString(),
  );
  return { applied: appliable, advice, backupPath, experiments };
}

/** One applied change with its figures before and on the runs after it. */
export interface HistoryEntry {
  experiment: LearningExperiment;
  after: Record<string, number>;
  effect: Record<string, number>;
}

/** Applied changes with their measured effect (after − before, per figure) on later runs. */
export function history(repo: LearningStore): HistoryEntry[] {
  return repo.experiments().map((x) => {
    const after = runFigures(repo.list({ taskType: taskTypeOf(x.change), since: x.ts }));
    const effect: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) {
      const b = x.baseline[k];
      if (k !== 'runs' && typeof b === 'number' && Number.isFinite(v) && Number.isFinite(b))
        effect[k] = Math.round((v - b) * 1000) / 1000;
    }
    return { experiment: x, after, effect };
  });
}
