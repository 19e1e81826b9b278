import { describe, expect, it } from 'vitest';
import { MetaLearningEngine } from '../../../src/learning/engine.js';
import { configWith, memRepo, prdExp, stat } from './helpers.js';

const small = {
  prdBytes: 800,
  sections: 2,
  words: 120,
  domainWords: ['landing', 'page', 'newsletter', 'signup'],
  estimatedComplexity: 2,
};
const large = {
  prdBytes: 60_000,
  sections: 40,
  words: 9000,
  domainWords: ['billing', 'ledger', 'invoices', 'payments', 'tax', 'audit'],
  estimatedComplexity: 9,
};

describe('getRecommendations (kNN + Beta aggregation)', () => {
  it('recommends what worked on similar contexts, with gain and confidence', async () => {
    const { repo } = memRepo();
    const engine = new MetaLearningEngine({ repo, config: configWith('m') });
    // Small PRDs: depth 1 works, depth 3 fails. Large PRDs: the opposite.
    for (let i = 0; i < 4; i++) {
      await engine.record(prdExp([stat('m', 3, 0)], { context: small, depth: 1, success: true }));
      await engine.record(prdExp([stat('m', 3, 0)], { context: small, depth: 3, success: false }));
      await engine.record(prdExp([stat('m', 9, 0)], { context: large, depth: 3, success: true }));
      await engine.record(prdExp([stat('m', 9, 0)], { context: large, depth: 1, success: false }));
    }
    const forSmall = await engine.getRecommendations(
      'parse_prd',
      { ...small, prdBytes: 900, domainWords: ['landing', 'page', 'signup'] },
      { k: 8 },
    );
    expect(forSmall.neighbours).toBe(8);
    expect(forSmall.recommendations[0]).toMatchObject({ strategy: 'depth1-threshold5', model: 'm' });
    expect(forSmall.recommendations[0]!.expectedGain).toBeGreaterThan(0);
    expect(forSmall.recommendations[0]!.confidence).toBeGreaterThan(0.9);
    const forLarge = await engine.getRecommendations(
      'parse_prd',
      { ...large, domainWords: ['billing', 'invoices', 'tax'] },
      { k: 8 },
    );
    expect(forLarge.recommendations[0]!.strategy).toBe('depth3-threshold5');
    // Other task types are filtered out.
    expect((await engine.getRecommendations('research', small)).recommendations).toEqual([]);
  });

  it('reports schema validity per model, and a wide interval when there is little data', async () => {
    const { repo } = memRepo();
    const engine = new MetaLearningEngine({ repo, config: configWith('a') });
    await engine.record(prdExp([stat('a', 2, 6), stat('b', 6, 0)]));
    const {
      recommendations: [r],
    } = await engine.getRecommendations('parse_prd', small);
    expect(r!.model).toBe('a');
    expect(r!.schemaValidity!.mean).toBeCloseTo(3 / 10, 1);
    expect(r!.quality.interval[1] - r!.quality.interval[0]).toBeGreaterThan(0.4);
  });
});
