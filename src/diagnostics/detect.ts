import { percentile, round } from './math.js';

/** One model call as the detectors see it (a row of the metrics table). */
export interface CallSample {
  tsMs: number;
  model: string;
  provider?: string;
  host?: string;
  durationMs: number;
  ok: boolean;
  cached: boolean;
  promptTokens: number;
}

/** A problem found in the metrics, not raised as an error by any call. */
export interface Finding {
  kind: 'latency_degradation' | 'failure_rate_rising' | 'context_truncated';
  model: string;
  provider?: string;
  message: string;
  evidence: Record<string, number>;
}

/** Thresholds; defaults suit a handful of calls per model per run. */
export interface DetectOptions {
  /** How many of the latest calls form the "recent" window. */
  recent?: number;
  /** Minimum calls in the baseline before comparing against it. */
  minBaseline?: number;
  /** Recent p95 above baseline p95 × factor is a degradation. */
  latencyFactor?: number;
  /** Context length per model when known (from the registry or /api/show). */
  contextLengths?: Record<string, number>;
}

function byModel(samples: readonly CallSample[]): Map<string, CallSample[]> {
  const m = new Map<string, CallSample[]>();
  for (const s of [...samples].sort((a, b) => a.tsMs - b.tsMs)) {
    const list = m.get(s.model) ?? [];
    list.push(s);
    m.set(s.model, list);
  }
  return m;
}

/** A model's recent p95 latency well above its own earlier p95 (cached answers excluded). */
export function detectLatencyDegradation(samples: readonly CallSample[], opts: DetectOptions = {}): Finding[] {
  const recentN = opts.recent ?? 10;
  const minBase = opts.minBaseline ?? 10;
  const factor = opts.latencyFactor ?? 2;
  const out: Finding[] = [];
  for (const [model, calls] of byModel(samples.filter((s) => s.ok && !s.cached))) {
    if (calls.length < minBase + Math.min(5, recentN)) continue;
    const recent = calls.slice(-recentN);
    const base = calls.slice(0, -recentN);
    if (base.length < minBase) continue;
    const b = percentile(
      base.map((c) => c.durationMs),
      95,
    )!;
    const r = percentile(
      recent.map((c) => c.durationMs),
      95,
    )!;
    if (b > 0 && r > b * factor) {
      out.push({
        kind: 'latency_degradation',
        model,
        provider: calls[0]!.provider,
        message: `p95 latency of ${model} rose from ${Math.round(b)} ms to ${Math.round(r)} ms`,
        evidence: {
          baseline_p95_ms: round(b),
          recent_p95_ms: round(r),
          ratio: round(r / b, 2),
          recent_calls: recent.length,
        },
      });
    }
  }
  return out;
}

/** A model failing clearly more often lately than before (at least 3 recent failures). */
export function detectRisingFailureRate(samples: readonly CallSample[], opts: DetectOptions = {}): Finding[] {
  const recentN = opts.recent ?? 10;
  const minBase = opts.minBaseline ?? 10;
  const out: Finding[] = [];
  for (const [model, calls] of byModel(samples.filter((s) => !s.cached))) {
    const recent = calls.slice(-recentN);
    const base = calls.slice(0, -recentN);
    if (base.length < minBase || recent.length < 5) continue;
    const rate = (xs: CallSample[]) => xs.filter((c) => !c.ok).length / xs.length;
    const b = rate(base);
    const r = rate(recent);
    const fails = recent.filter((c) => !c.ok).length;
    if (fails >= 3 && r >= Math.max(2 * b, b + 0.2)) {
      out.push({
        kind: 'failure_rate_rising',
        model,
        provider: calls[0]!.provider,
        message: `failure rate of ${model} rose from ${Math.round(b * 100)}% to ${Math.round(r * 100)}%`,
        evidence: { baseline_rate: round(b, 3), recent_rate: round(r, 3), recent_failures: fails },
      });
    }
  }
  return out;
}

// Ollama's historical default windows: a prompt that stops exactly there was most likely cut.
const DEFAULT_LIMITS = [2048, 4096, 8192];

/**
 * Prompt token counts reported at the context limit: the server truncated silently. Uses the known
 * context length of the model, else Ollama's default windows (two or more calls pinned at one).
 */
export function detectContextTruncation(samples: readonly CallSample[], opts: DetectOptions = {}): Finding[] {
  const out: Finding[] = [];
  for (const [model, calls] of byModel(samples.filter((s) => s.ok && !s.cached && s.promptTokens > 0))) {
    const known = opts.contextLengths?.[model];
    const limits = known ? [known] : DEFAULT_LIMITS;
    for (const limit of limits) {
      const pinned = calls.filter((c) => c.promptTokens >= limit - 4 && c.promptTokens <= limit);
      if (pinned.length >= (known ? 1 : 2)) {
        out.push({
          kind: 'context_truncated',
          model,
          provider: calls[0]!.provider,
          message: `${pinned.length} prompt(s) to ${model} stopped at the ${limit}-token context limit (context truncated)`,
          evidence: { context_length: limit, calls_at_limit: pinned.length },
        });
        break;
      }
    }
  }
  return out;
}

/** Every detector over one series. */
export function detectAll(samples: readonly CallSample[], opts: DetectOptions = {}): Finding[] {
  return [
    ...detectLatencyDegradation(samples, opts),
    ...detectRisingFailureRate(samples, opts),
    ...detectContextTruncation(samples, opts),
  ];
}
