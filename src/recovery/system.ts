import type { ResolvedConfig } from '../config/schema.js';
import type { ModelAPI, ModelHooks, ProgressEvent } from '../models/types.js';
import type { DB } from '../storage/db.js';
import { CachedPerformanceMonitor } from '../monitor/performance-monitor.js';
import { MonitorRepo } from '../storage/monitor-repo.js';
import { RecoveryRepo } from '../storage/recovery-repo.js';
import type { BackoffOptions } from './backoff.js';
import { classifyFailure, fingerprint } from '../diagnostics/classify.js';
import { detectAll, type DetectOptions, type Finding } from '../diagnostics/detect.js';
import { diagnose } from '../diagnostics/diagnose.js';
import { recoveryHooks } from './hooks.js';
import { executeStrategy, type ExecuteResult } from './execute.js';
import { toAttempt, toFailureRecord } from './records.js';
import { recoveryStatus } from './stats.js';
import type { FailureContext, FailureType } from '../diagnostics/types.js';
import type { FailureRecord, FailureStatus, RecoveryAttempt, RecoveryStatus } from './types.js';

/** What the recovery system is built from; everything is injected so tests use real files and servers. */
export interface RecoveryDeps {
  db: DB;
  config?: ResolvedConfig;
  /** The model API, built lazily (diagnosis of unknown failures, model checks). */
  api?: () => Promise<ModelAPI | undefined>;
  now?: () => number;
  fetch?: typeof fetch;
  backoff?: BackoffOptions;
}

/** The result of recovering one failure group. */
export interface RecoverOutcome {
  failure: FailureRecord;
  result: ExecuteResult;
  durationMs: number;
}

/** FailureRecoverySystem: capture, detect, diagnose and recover failures; every step stored in SQLite. */
export class FailureRecoverySystem {
  readonly repo: RecoveryRepo;
  private readonly now: () => number;

  constructor(private readonly deps: RecoveryDeps) {
    this.repo = new RecoveryRepo(deps.db);
    this.now = deps.now ?? Date.now;
  }

  /** Classifies and stores one failure (grouped by fingerprint); returns its group. */
  reportFailure(error: unknown, context: FailureContext, opts: { recoveredBy?: string } = {}): FailureRecord {
    const f = classifyFailure(error, context);
    return toFailureRecord(this.repo.record(f, this.now(), opts.recoveredBy).failure);
  }

  /** Alias of reportFailure, named as in the original task-master-local design. */
  report_failure = (error: unknown, context: FailureContext, opts: { recoveredBy?: string } = {}): FailureRecord =>
    this.reportFailure(error, context, opts);

  /** Hooks for UnifiedModelAPI: every failure the model API sees is recorded (a hook never throws). */
  hooks(): ModelHooks {
    return recoveryHooks(() => this.deps.db, this.now);
  }

  /** Finds problems no call raised (latency, failure rate, truncation) in the metrics and records them. */
  detect(opts: DetectOptions & { sinceMs?: number } = {}): Finding[] {
    const samples = new MonitorRepo(this.deps.db).callSamples(opts.sinceMs ?? 0);
    const contextLengths: Record<string, number> = { ...opts.contextLengths };
    for (const e of Object.values(this.deps.config?.local.registry ?? {}))
      if (e.contextLength) contextLengths[e.model] ??= e.contextLength;
    const findings = detectAll(samples, { ...opts, contextLengths });
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
      // A finding still open is the same problem seen again by a later scan, not a new occurrence.
      if (this.repo.getByFingerprint(c.fingerprint)?.status === 'open') continue;
      this.repo.record(c, this.now());
    }
    return findings;
  }

  /** Diagnoses a stored failure (rules, else the local model, else "unknown") and stores the diagnosis. */
  async diagnose(id: number, signal?: AbortSignal) {
    const f = this.get(id);
    if (!f) return undefined;
    const api = await this.deps.api?.().catch(() => undefined);
    const d = await diagnose(
      {
        type: f.type,
        kind: f.kind,
        severity: f.severity,
        message: f.message,
        code: f.code,
        fingerprint: f.fingerprint,
        context: f.context,
      },
      api,
      signal,
    );
    this.repo.setDiagnosis(id, d);
    return d;
  }

  /** Attempts recovery of open failures (or the given ids); every attempt and outcome is recorded. */
  async recover(
    opts: { ids?: number[]; allowPull?: boolean; signal?: AbortSignal; onProgress?: (e: ProgressEvent) => void } = {},
  ): Promise<RecoverOutcome[]> {
    const targets = opts.ids
      ? opts.ids.map((id) => this.get(id)).filter((f): f is FailureRecord => f !== undefined)
      : this.list(['open']);
    const out: RecoverOutcome[] = [];
    for (const target of targets) {
      if (opts.signal?.aborted) break;
      const d = (await this.diagnose(target.id, opts.signal))!;
      opts.onProgress?.({ type: 'recover:start', id: target.id, kind: target.kind, strategy: d.recommendedStrategy });
      const t0 = performance.now();
      const session = new CachedPerformanceMonitor(this.deps.db, { now: this.now }).monitoredOperation(
        'recovery',
        d.recommendedStrategy,
      );
      const result = await executeStrategy(target, d, {
        config: this.deps.config,
        api: this.deps.api,
        allowPull: opts.allowPull ?? this.deps.config?.local.allowPull ?? false,
        dbPath: this.deps.config?.dbPath,
        fetch: this.deps.fetch,
        backoff: this.deps.backoff,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      const durationMs = performance.now() - t0;
      // Recovery runs show up in `health --stats` like any other component's operations.
      session.addMetric('recovered', result.outcome === 'success' ? 1 : 0, 'bool');
      session.end(result.outcome !== 'failure', result.outcome === 'failure' ? result.detail : undefined);
      this.repo.recordAttempt(
        target.id,
        { strategy: result.strategy, outcome: result.outcome, durationMs, detail: result.detail },
        this.now(),
        { status: 'recovered', resolution: `${result.strategy}: ${result.detail}` },
      );
      opts.onProgress?.({ type: 'recover:done', id: target.id, outcome: result.outcome });
      out.push({ failure: this.get(target.id)!, result, durationMs });
    }
    return out;
  }

  /** Marks a group resolved by hand (the user fixed it outside the tool). */
  resolve(id: number, note = 'resolved by user'): FailureRecord | undefined {
    this.repo.recordAttempt(id, { strategy: 'manual', outcome: 'success', durationMs: 0, detail: note }, this.now(), {
      status: 'resolved',
      resolution: note,
    });
    return this.get(id);
  }

  /** `{total_failures, active_failures, recovered, recovery_rate, mttr_ms, by_type}`. */
  status(sinceMs = 0): RecoveryStatus {
    return recoveryStatus(this.repo.events(sinceMs));
  }

  /** Failure groups, newest first. */
  list(status?: FailureStatus[]): FailureRecord[] {
    return this.repo.list({ status }).map(toFailureRecord);
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
}

function typeOf(kind: Finding['kind']): FailureType {
  return kind === 'latency_degradation' ? 'PERFORMANCE_DEGRADATION' : 'MODEL_FAILURE';
}
