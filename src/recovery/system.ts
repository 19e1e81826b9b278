import type { ResolvedConfig } from '../config/schema.js';
import { classifyFailure, fingerprint } from '../diagnostics/classify.js';
import { detectAll, type DetectOptions, type Finding } from '../diagnostics/detect.js';
import { diagnose } from '../diagnostics/diagnose.js';
import {
  FAILURE_TYPES,
  type Diagnosis,
  type FailureContext,
  type FailureType,
  type SeverityLevel,
} from '../diagnostics/types.js';
import type { ModelAPI, ModelHooks, ProgressEvent } from '../models/types.js';
import type { DB } from '../storage/db.js';
import { InterruptedRunsRepo } from '../storage/interrupted-runs-repo.js';
import { MonitorRepo } from '../storage/monitor-repo.js';
import { RecoveryRepo } from '../storage/recovery-repo.js';
import { recoveryHooks } from './hooks.js';
import { toAttempt, toFailureRecord, toInterruptedRun } from './records.js';
import { recoverAll, type RecoverOutcome, type RunResumer } from './recover-run.js';
import { recoveryStatus } from './stats.js';
import type {
  FailureRecord,
  FailureStatus,
  InterruptedRun,
  RecoveredBy,
  RecoveryAttempt,
  RecoveryStatus,
} from './types.js';

/** What the recovery system is built from; everything is injected so tests use real files and servers. */
export interface RecoveryDeps {
  db: DB;
  config?: ResolvedConfig;
  /** The model API, built lazily (diagnosis of unknown failures, model checks). */
  api?: () => Promise<ModelAPI | undefined>;
  now?: () => number;
  fetch?: typeof fetch;
}

/** Options of reportFailure: when it happened, in which run, and whether the same operation then succeeded. */
export interface ReportOptions {
  atMs?: number;
  runId?: string;
  recovered?: { by: RecoveredBy; atMs: number; detail: string };
}

/** FailureRecoverySystem: capture, detect, diagnose and recover failures; every step stored in SQLite. */
export class FailureRecoverySystem {
  readonly repo: RecoveryRepo;
  readonly runs: InterruptedRunsRepo;
  private readonly now: () => number;

  constructor(private readonly deps: RecoveryDeps) {
    this.repo = new RecoveryRepo(deps.db);
    this.runs = new InterruptedRunsRepo(deps.db);
    this.now = deps.now ?? Date.now;
  }

  /** Classifies and stores one failure (grouped by fingerprint); returns its group. */
  reportFailure(error: unknown, context: FailureContext, opts?: ReportOptions): FailureRecord;
  /**
   * The specification's form: a failure of a given type described in words (the kind is still
   * classified from the description), its facts and severity. Returns the failure group's id.
   */
  reportFailure(
    failureType: FailureType,
    description: string,
    context?: Record<string, unknown>,
    severity?: SeverityLevel,
  ): Promise<number>;
  reportFailure(
    a: unknown,
    b: FailureContext | string,
    c: ReportOptions | Record<string, unknown> = {},
    severity?: SeverityLevel,
  ): FailureRecord | Promise<number> {
    if (typeof b === 'string' && typeof a === 'string' && (FAILURE_TYPES as string[]).includes(a)) {
      const context: FailureContext = { component: 'library', operation: 'reportFailure', ...c };
      const f = { ...classifyFailure(new Error(b), context), type: a as FailureType };
      if (severity) f.severity = severity;
      return Promise.resolve(this.repo.record(f, { atMs: this.now() }).failure.id);
    }
    const opts = c as ReportOptions;
    const f = classifyFailure(a, b as FailureContext);
    const occ = { atMs: opts.atMs ?? this.now(), ...opts };
    return toFailureRecord(this.repo.record(f, occ).failure);
  }

  /** The specification's getRecoveryStatus: status() with its camelCase names beside ours. */
  getRecoveryStatus(sinceMs = 0): RecoveryStatus & { recoveryRate: number; activeFailures: number } {
    const s = this.status(sinceMs);
    return { ...s, recoveryRate: s.recovery_rate ?? 0, activeFailures: s.active_failures };
  }

  /** Alias of reportFailure, named as in the original task-master-local design. */
  report_failure = (error: unknown, context: FailureContext, opts: ReportOptions = {}): FailureRecord =>
    this.reportFailure(error, context, opts);

  /** Hooks for UnifiedModelAPI: every failure the model API sees is recorded (a hook never throws). */
  hooks(): ModelHooks {
    return recoveryHooks(() => this.deps.db, this.now);
  }

  /**
   * Finds problems no call raised (latency, failure rate, truncation) in the metrics and records
   * them. A finding recorded by an earlier scan that this scan no longer sees has its cause cleared.
   */
  detect(opts: DetectOptions & { sinceMs?: number } = {}): Finding[] {
    const samples = new MonitorRepo(this.deps.db).callSamples(opts.sinceMs ?? 0);
    const contextLengths: Record<string, number> = { ...opts.contextLengths };
    for (const e of Object.values(this.deps.config?.local.registry ?? {}))
      if (e.contextLength) contextLengths[e.model] ??= e.contextLength;
    const findings = detectAll(samples, { ...opts, contextLengths });
    const seen = new Set<string>();
    for (const f of findings) {
      const ctx: FailureContext = {
        component: 'monitor',
        operation: 'detect',
        provider: f.provider,
        model: f.model,
        ...f.evidence,
      };
      // Detected kinds come from the detector, not from matching the message.
      const c = {
        ...classifyFailure(new Error(f.message), ctx),
        kind: f.kind,
        type: typeOf(f.kind),
        severity: 'MEDIUM' as const,
        fingerprint: fingerprint(f.kind, ctx, f.message),
      };
      seen.add(c.fingerprint);
      // A finding still open is the same problem seen again by a later scan, not a new occurrence.
      if (this.repo.getByFingerprint(c.fingerprint)?.status === 'open') continue;
      this.repo.record(c, { atMs: this.now() });
    }
    for (const g of this.list(['open']))
      if (g.context.operation === 'detect' && !seen.has(g.fingerprint))
        this.repo.recordAttempt(
          g.id,
          {
            tsMs: this.now(),
            strategy: 'retry',
            outcome: 'success',
            verdict: 'cause_cleared',
            durationMs: 0,
            detail: 'the detectors no longer find it in the latest calls',
          },
          { from: ['open'], resolution: 'cause cleared: no longer detected' },
        );
    return findings;
  }

  /** Diagnoses a stored failure (rules, else the local model, else "unknown") and stores the diagnosis. */
  async diagnose(id: number, signal?: AbortSignal): Promise<Diagnosis | undefined> {
    const f = this.get(id);
    if (!f) return undefined;
    const api = await this.deps.api?.().catch(() => undefined);
    const { id: _i, firstSeenMs: _f, lastSeenMs: _l, count: _c, status: _s, diagnosis: _d, resolution: _r, ...c } = f;
    const d = await diagnose(c, api, signal);
    this.repo.setDiagnosis(id, d);
    return d;
  }

  /**
   * `recover --run`: resumes interrupted runs (with `resume`) once the causes of their failures
   * are gone, then checks the cause of every other open failure. Only a resumed run recovers;
   * a check that passes clears the cause. Every attempt is recorded.
   */
  recover(
    opts: {
      ids?: number[];
      allowPull?: boolean;
      resume?: RunResumer;
      signal?: AbortSignal;
      onProgress?: (e: ProgressEvent) => void;
    } = {},
  ): Promise<RecoverOutcome[]> {
    return recoverAll(this, { ...this.deps, now: this.now }, opts);
  }

  /** Marks a group resolved by hand (the user fixed it outside the tool). */
  resolve(id: number, note = 'resolved by user'): FailureRecord | undefined {
    this.repo.recordAttempt(
      id,
      { tsMs: this.now(), strategy: 'manual', outcome: 'success', verdict: 'resolved', durationMs: 0, detail: note },
      { from: ['open', 'cause_cleared'], resolution: note },
    );
    return this.get(id);
  }

  /** `{total_failures, active_failures, recovered, cause_cleared, resolved, recovery_rate, mttr_ms, …}`. */
  status(sinceMs = 0): RecoveryStatus {
    return recoveryStatus(this.repo.events({ sinceMs }), this.runs.interruptedRuns());
  }

  /** Failure groups, newest first. */
  list(status?: FailureStatus[]): FailureRecord[] {
    return this.repo.list(status ? { status } : {}).map(toFailureRecord);
  }

  /** One failure group by id. */
  get(id: number): FailureRecord | undefined {
    const row = this.repo.get(id);
    return row && toFailureRecord(row);
  }

  /** The recovery attempts of a group, oldest first. */
  attempts(id: number): RecoveryAttempt[] {
    return this.repo.attempts(id).map(toAttempt);
  }

  /** Stops resuming an interrupted run that cannot run again as recorded; its failures stay as they are. */
  abandonRun(id: number, detail: string): void {
    this.runs.closeInterruptedRun(id, { status: 'abandoned', atMs: this.now(), detail });
  }

  /** Runs of jobs that failed, oldest first (by default those still interrupted). */
  interruptedRuns(status: InterruptedRun['status'][] = ['interrupted']): InterruptedRun[] {
    return this.runs.interruptedRuns({ status }).map(toInterruptedRun);
  }
}

function typeOf(kind: Finding['kind']): FailureType {
  return kind === 'latency_degradation' ? 'PERFORMANCE_DEGRADATION' : 'MODEL_FAILURE';
}
