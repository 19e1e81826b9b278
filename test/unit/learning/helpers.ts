import { LocalSectionSchema, type ResolvedConfig } from '../../../src/config/schema.js';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { LearningRepo } from '../../../src/storage/learning-repo.js';
import type { LearningExperience, ModelCallStats } from '../../../src/learning/types.js';

/** An in-memory database with every migration, and its learning repo. */
export function memRepo(): { db: DB; repo: LearningRepo } {
  const db = openDatabase(':memory:');
  return { db, repo: new LearningRepo(db) };
}

/** A resolved config with the given main model and defaults elsewhere. */
export function configWith(main?: string, local: Record<string, unknown> = {}): ResolvedConfig {
  return {
    projectRoot: '/nowhere',
    configPath: '/nowhere/.taskmaster/config.json',
    dbPath: ':memory:',
    roles: main ? { main: { provider: 'ollama', modelId: main } } : {},
    local: LocalSectionSchema.parse(local),
    raw: {},
    fileExists: false,
    sources: {},
    warnings: [],
  };
}

/** One model's stats of a run: `ok` valid answers and `invalid` schema failures. */
export function stat(model: string, ok: number, invalid: number, errors = 0): ModelCallStats {
  return {
    model,
    provider: 'ollama',
    calls: ok + invalid + errors,
    ok,
    invalid,
    errors,
    tokens: 100 * (ok + invalid),
    durationMs: 50 * (ok + invalid),
  };
}

/** A parse_prd experience with the given model stats and settings. */
export function prdExp(
  stats: ModelCallStats[],
  o: Partial<LearningExperience> & { concurrency?: number; depth?: number; success?: boolean; ts?: string } = {},
): LearningExperience {
  const ok = stats.reduce((s, m) => s + m.ok, 0);
  const invalid = stats.reduce((s, m) => s + m.invalid, 0);
  return {
    taskType: 'parse_prd',
    source: 'parse-prd',
    ts: o.ts ?? new Date().toISOString(),
    context: o.context ?? {
      prdBytes: 4000,
      sections: 6,
      words: 700,
      domainWords: ['auth', 'billing'],
      estimatedComplexity: 4,
    },
    action: {
      model: stats[0]?.model,
      strategy: `depth${o.depth ?? 2}-threshold5`,
      depth: o.depth ?? 2,
      settings: { concurrency: o.concurrency ?? 4, expandThreshold: 5 },
      promptIds: ['parse-prd@v1'],
    },
    outcome: {
      success: o.success ?? true,
      schemaValid: invalid === 0,
      schemaValidRate: ok + invalid ? ok / (ok + invalid) : 1,
      reasks: invalid,
      fallbacks: 0,
      latencyMs: 1000,
      tokens: 500,
    },
    modelStats: stats,
  };
}
