/** Public surface of the learning module (`improve`). */
export { MetaLearningEngine, apiEmbedder, type EngineOptions, type ImproveResult } from './engine.js';
export { applyProposals, configSnapshot, history, runFigures, snapshotDiff, type HistoryEntry } from './apply.js';
export { learnedRanker, type RankerOptions } from './routing.js';
export { analyse, MIN_CONFIDENCE, MIN_EVIDENCE, MIN_MARGIN, type Analysis } from './proposals.js';
export { prdContext, contextText } from './features.js';
export type { Recommendation as LearningRecommendation } from './recommend.js';
export type * from './types.js';
export { LEARNING_TASK_TYPES, SPEC_TASK_TYPES, parseLearningTaskType } from './types.js';
