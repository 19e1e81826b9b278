import { describe, expect, it } from 'vitest';
import { contextText, domainWords, estimateComplexity, prdContext } from '../../../src/learning/features.js';
import { experienceFromPrdRun, prdStrategy } from '../../../src/learning/recorder.js';
import type { RunSummary } from '../../../src/storage/prd-repo.js';
import { stat } from './helpers.js';

describe('context features', () => {
  it('counts sections and words, keeps the most frequent content words, grows complexity with size', () => {
    const prd =
      '# Billing\n\n## Invoices\nInvoices invoices invoices are sent monthly.\n\n## Payments\nPayments are captured; invoices link payments.\n';
    const c = prdContext(prd);
    expect(c.sections).toBeGreaterThanOrEqual(2);
    expect(c.words).toBe(prd.split(/\s+/).filter(Boolean).length);
    expect(domainWords(prd, 2)).toEqual(['invoices', 'payments']);
    expect(estimateComplexity(100, 1)).toBeLessThan(estimateComplexity(5000, 20));
    expect(estimateComplexity(1e7, 1000)).toBe(10);
    // near sizes land in the same bucket, far ones do not
    expect(contextText({ prdBytes: 4000 })).toBe(contextText({ prdBytes: 4100 }));
    expect(contextText({ prdBytes: 4000 })).not.toBe(contextText({ prdBytes: 40_000 }));
  });

  it('turns a run summary and per-model stats into an experience', () => {
    const s = {
      runId: 'r',
      runKey: 'k',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:01:00Z',
      prdPath: 'p',
      prdHash: 'h',
      prdBytes: 10,
      sections: 1,
      chunks: 1,
      options: { maxDepth: 3, complexityThreshold: 4, concurrency: 2 },
      tag: 'master',
      models: [],
      promptIds: ['parse-prd@v1'],
      llmCalls: 9,
      promptTokens: 100,
      completionTokens: 50,
      cacheHits: 0,
      resumedNodes: 0,
      reasks: 2,
      fallbacks: 1,
      failures: 0,
      depFixes: 0,
      mergedDuplicates: 0,
      tasks: 3,
      subtasks: 6,
      depth: 3,
      durationMs: 1234,
      success: true,
      structural: false,
      dryRun: false,
    } satisfies RunSummary;
    const e = experienceFromPrdRun(s, '# PRD\ntext', [stat('a', 2, 3), stat('b', 5, 0)]);
    expect(e.action).toMatchObject({
      model: 'b',
      strategy: 'depth3-threshold4',
      depth: 3,
      settings: { concurrency: 2 },
    });
    expect(e.outcome).toMatchObject({
      success: true,
      schemaValid: false,
      schemaValidRate: 0.7,
      reasks: 2,
      fallbacks: 1,
      tokens: 150,
      latencyMs: 1234,
    });
    expect(experienceFromPrdRun({ ...s, structural: true }, 'x', []).outcome.success).toBe(false);
    expect(prdStrategy({})).toBe('depth2-threshold5');
  });
});
