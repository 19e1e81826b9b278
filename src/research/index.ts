/** The research module's public surface (see docs/research.md); `openResearch` wires it to a project in src/application/. */

export { LocalRAGSystem } from './rag-system.js';
export type { AddResult, EmbedderInfo, QueryOptions, RAGDeps, ResearchAnswer, SearchResult } from './rag-system.js';
export type { LoopOptions, LoopResult } from './loop.js';
export type { Citation, Passage } from './answer.js';
export { OFFLINE_DIMENSION, OFFLINE_MODEL, offlineEmbed, offlineEmbedOne } from './offline-embedder.js';
export { RecommendationSchema, type Recommendation } from './schemas.js';
