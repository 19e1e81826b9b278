import type { Migration } from './types.js';
import { m001core } from './001-core.js';
import { m002metricsCachedTokens } from './002-metrics-cached-tokens.js';
import { m020prd } from './020-prd.js';
import { m021prdTokenEconomy } from './021-prd-token-economy.js';
import { m050recovery } from './050-recovery.js';
import { m051monitor } from './051-monitor.js';
import { m052recoveryHonest } from './052-recovery-honest.js';
import { m030research } from './030-research.js';
import { m031researchVectors } from './031-research-vectors.js';
import { m032researchIvf } from './032-research-ivf.js';
import { m033researchCompact } from './033-research-compact.js';
import { m040optimize } from './040-optimize.js';
import { m060learning } from './060-learning.js';
import { m061learningIndexes } from './061-learning-indexes.js';
import { m062learningRecentIndex } from './062-learning-recent-index.js';
import { m063learningAttemptOutcomes } from './063-learning-attempt-outcomes.js';
import { m080finetune } from './080-finetune.js';

export type { Migration } from './types.js';

/** Every module appends its own migration here (ids per HACKING.md); order in this list does not matter. */
export const MIGRATIONS: readonly Migration[] = [
  m001core,
  m002metricsCachedTokens,
  m020prd,
  m021prdTokenEconomy,
  m050recovery,
  m051monitor,
  m052recoveryHonest,
  m030research,
  m031researchVectors,
  m032researchIvf,
  m033researchCompact,
  m040optimize,
  m060learning,
  m061learningIndexes,
  m062learningRecentIndex,
  m063learningAttemptOutcomes,
  m080finetune,
];
