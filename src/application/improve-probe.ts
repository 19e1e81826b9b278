/**
 * improve --probe: evidence on demand. The fixed validation workload of `optimize --target models`
 * runs on the main role's model and its candidates (the fallback role, then other chat models the
 * mode allows), each answer a fresh call recorded in the metrics ledger under one run id; the run is
 * recorded as an experience (source `probe`, per-model stats), so `improve` proposes from the
 * recorded runs and the probe together.
 */
import { randomUUID } from 'node:crypto';
import { modeAllows } from '../models/privacy.js';
import { refKey } from '../models/routing.js';
import type { ModelRef } from '../models/types.js';
import { runWorkload } from '../optimize/models-target.js';
import { LearningRepo } from '../storage/learning-repo.js';
import { learningEngine } from './learning.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

/** How much to measure: workload rounds per model (4 questions each) and how many candidates besides the role's model. */
export interface ImproveProbeOptions {
  rounds?: number;
  candidates?: number;
}

/** One measured model: calls and schema-valid answers (from the ledger), and answers that were also correct. */
export interface ProbedModel {
  alias: string;
  model: string;
  calls: number;
  valid: number;
  correct: number;
  questions: number;
  wallMs: number;
}

export interface ImproveProbeResult {
  probed: ProbedModel[];
  experienceId?: number;
  durationMs: number;
}

/** The main role's model first, then the fallback role's, then other chat models routing may use. */
async function probeTargets(project: Project, max: number): Promise<ModelRef[]> {
  const catalog = project.catalog();
  const roles = await catalog.effectiveRoles();
  const out: ModelRef[] = [];
  const seen = new Set<string>();
  const add = (r: ModelRef | undefined) => {
    if (!r || r.embedding || seen.has(refKey(r))) return;
    seen.add(refKey(r));
    out.push(r);
  };
  add(roles.main.ref);
  add(roles.fallback.ref);
  for (const r of await catalog.chatModels()) add(r);
  const privacy = project.api().privacy;
  return out.filter((r) => modeAllows(r, privacy)).slice(0, max + 1);
}

/** Runs the workload on each target and records the run as one experience. */
export async function improveProbeUseCase(
  project: Project,
  o: ImproveProbeOptions = {},
  run: RunControls = {},
): Promise<ImproveProbeResult> {
  const t0 = Date.now();
  const targets = await probeTargets(project, o.candidates ?? 3);
  const runId = randomUUID();
  const scoped = project.forRun(runId);
  const api = scoped.api();
  const genome = { concurrency: project.config.local.concurrency, temperature: 0.2 };
  const measured: { ref: ModelRef; correct: number; questions: number; wallMs: number }[] = [];
  for (const ref of targets) {
    const m = { ref, correct: 0, questions: 0, wallMs: 0 };
    for (let i = 0; i < (o.rounds ?? 2); i++) {
      const w = await runWorkload(api, ref, genome, run.signal);
      m.correct += w.outcomes.filter((x) => x === 'valid').length;
      m.questions += w.outcomes.length;
      m.wallMs += w.wallMs;
    }
    measured.push(m);
  }
  const stats = new LearningRepo(project.db()).runModelStats(runId);
  const probed: ProbedModel[] = measured.map(({ ref, correct, questions, wallMs }) => {
    const s = stats.filter((x) => x.model === ref.model && x.provider === ref.provider);
    const calls = s.reduce((n, x) => n + x.calls, 0);
    const valid = s.reduce((n, x) => n + x.ok, 0);
    run.onNote?.(`probe: ${ref.alias} ${valid}/${calls} answers valid, ${correct}/${questions} correct, ${wallMs} ms`);
    return { alias: ref.alias, model: ref.model, calls, valid, correct, questions, wallMs };
  });
  const calls = stats.reduce((n, s) => n + s.calls, 0);
  const ok = stats.reduce((n, s) => n + s.ok, 0);
  const rec = calls
    ? await learningEngine(project, { useModel: false }).record({
        taskType: 'other',
        source: 'probe',
        runId,
        context: { taskKind: 'probe' },
        action: { strategy: 'probe', models: probed.map((p) => p.model) },
        outcome: { success: true, schemaValid: ok === calls, schemaValidRate: ok / calls, calls },
        modelStats: stats,
      })
    : {};
  return { probed, ...(rec.id !== undefined ? { experienceId: rec.id } : {}), durationMs: Date.now() - t0 };
}
