import { describe, expect, it } from 'vitest';
import {
  detectContextTruncation,
  detectLatencyDegradation,
  detectRisingFailureRate,
  type CallSample,
} from '../../../src/diagnostics/detect.js';

const call = (i: number, over: Partial<CallSample> = {}): CallSample => ({
  tsMs: 1000 + i,
  model: 'llama3.2:latest',
  provider: 'ollama',
  durationMs: 100,
  ok: true,
  cached: false,
  promptTokens: 50,
  ...over,
});

describe('detectors', () => {
  it('latency: recent p95 far above the baseline p95 is flagged; a steady series is not', () => {
    const steady = Array.from({ length: 30 }, (_, i) => call(i, { durationMs: 90 + (i % 5) * 5 }));
    expect(detectLatencyDegradation(steady)).toEqual([]);
    const slow = [...steady.slice(0, 20), ...Array.from({ length: 10 }, (_, i) => call(100 + i, { durationMs: 400 }))];
    const [f] = detectLatencyDegradation(slow);
    expect(f).toMatchObject({ kind: 'latency_degradation', model: 'llama3.2:latest' });
    expect(f!.evidence.ratio).toBeGreaterThan(2);
  });
  it('latency: cached answers are ignored', () => {
    const s = [
      ...Array.from({ length: 20 }, (_, i) => call(i)),
      ...Array.from({ length: 10 }, (_, i) => call(50 + i, { durationMs: 1, cached: true })),
    ];
    expect(detectLatencyDegradation(s)).toEqual([]);
  });
  it('failure rate: rising failures flagged, a constant low rate is not', () => {
    const base = Array.from({ length: 20 }, (_, i) => call(i, { ok: i % 10 !== 0 }));
    expect(
      detectRisingFailureRate([...base, ...Array.from({ length: 10 }, (_, i) => call(50 + i, { ok: i % 10 !== 0 }))]),
    ).toEqual([]);
    const bad = [...base, ...Array.from({ length: 10 }, (_, i) => call(50 + i, { ok: i % 2 === 0 }))];
    expect(detectRisingFailureRate(bad)[0]).toMatchObject({ kind: 'failure_rate_rising' });
  });
  it('truncation: prompts pinned at a known context length, or at a default window twice', () => {
    expect(
      detectContextTruncation([call(1, { promptTokens: 8190 })], { contextLengths: { 'llama3.2:latest': 8192 } })[0]
        ?.kind,
    ).toBe('context_truncated');
    expect(detectContextTruncation([call(1, { promptTokens: 2048 })])).toEqual([]);
    expect(
      detectContextTruncation([call(1, { promptTokens: 2048 }), call(2, { promptTokens: 2047 })])[0]?.evidence
        .context_length,
    ).toBe(2048);
    expect(detectContextTruncation([call(1, { promptTokens: 1500 }), call(2, { promptTokens: 1600 })])).toEqual([]);
  });
});
