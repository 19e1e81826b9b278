/**
 * The composition root: use cases (and through them commands and the library facade) get config,
 * paths, the database and the model API from here, built lazily so a job only pays for what it
 * touches. Importing this file loads no UI, no provider SDK and no embedded runtime (providers are
 * imported on first call). Capability modules never see a Project: use cases hand them the parts.
 */
import { loadConfig, projectPaths, type ConfigOverrides } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { openDatabase, type DB } from '../storage/db.js';
import { ModelCatalog } from '../models/catalog.js';
import { composeHooks } from '../models/outcome.js';
import { ProviderPool, defaultProviderFactory, type ProviderFactory } from '../models/provider-pool.js';
import type { RankCandidates } from '../models/routing.js';
import { UnifiedModelAPI } from '../models/unified-model-api.js';
import { recoveryHooks } from '../recovery/hooks.js';
import { AttemptCollector } from '../learning/attempts.js';
import { learnedRanker } from '../learning/routing.js';
import { LearningRepo } from '../storage/learning-repo.js';
import { applyProjectPrompts } from '../prompting/index.js';
import type { ModelHooks, ModelRef } from '../models/types.js';

export interface OpenProjectOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigOverrides;
  /** Observers of every model call/failure/route (recovery, learning, monitor); composed into one. */
  hooks?: ModelHooks[];
  /** Recorded on every metrics row of this project's model calls. */
  runId?: string;
  /** Learned routing hook; by default, when `local.learnedRouting` is on, Thompson sampling over recorded statistics. */
  rankCandidates?: RankCandidates;
  /** Seam for tests and embedders: build providers yourself. */
  providerFactory?: ProviderFactory;
  /** Refs added by hand (treated like registry entries). */
  extraRefs?: ModelRef[];
  /** Retry backoff base (ms); tests use tiny values. */
  backoffMs?: number;
}

/** Everything a command needs, each part built on first use. */
export interface Project {
  config: ResolvedConfig;
  paths: ReturnType<typeof projectPaths>;
  /** The run id given to openProject (on every metrics row of this project's calls). */
  runId?: string;
  /** Per-model outcomes of failed attempts (re-ask/retry/fallback), read when a run is recorded. */
  attempts: AttemptCollector;
  /** The project's SQLite file, opened (and migrated) on first call. */
  db(): DB;
  /** Model catalog: configured + discovered models and effective roles. */
  catalog(): ModelCatalog;
  /** The model API (with cache and metrics in db()). */
  api(): UnifiedModelAPI;
  /**
   * The same project for one run of a job: the same database, catalog and servers, but a model API
   * that tags every metrics row with `runId` and its own attempt collector, so the run's experience
   * reads only its own calls. Closing it leaves the database to the parent.
   */
  forRun(runId: string): Project;
  /** Adds an observer after creation (e.g. a module that needs the db first). */
  addHooks(h: ModelHooks): void;
  /** Closes the database if it was opened. */
  close(): void;
}

/** Loads config for `cwd` and returns a lazily-wired project. */
export function openProject(opts: OpenProjectOptions): Project {
  const env = opts.env ?? process.env;
  const config = loadConfig({ cwd: opts.cwd, env, ...(opts.flags ? { flags: opts.flags } : {}) });
  const paths = projectPaths(config.projectRoot);
  // The project's own prompts (validated) replace the packaged ones for every job of this process.
  applyProjectPrompts(paths.prompts);
  // Every project records the model API's failures for `recover` (see src/recovery/hooks.ts).
  const shared: ModelHooks[] = [recoveryHooks(() => db()), ...(opts.hooks ?? [])];
  // composeHooks reads the list at call time, so hooks added later (addHooks) reach every run's calls.
  const sharedHooks = composeHooks(shared);
  let database: DB | undefined;
  let pool: ProviderPool | undefined;
  let catalog: ModelCatalog | undefined;
  const db = () => (database ??= openDatabase(config.dbPath));
  const rank =
    opts.rankCandidates ?? (config.local.learnedRouting ? learnedRanker(() => new LearningRepo(db())) : undefined);
  const getPool = () => (pool ??= new ProviderPool(opts.providerFactory ?? defaultProviderFactory(config.local, env)));
  const getCatalog = () =>
    (catalog ??= new ModelCatalog({
      config,
      pool: getPool(),
      env,
      ...(opts.extraRefs ? { extraRefs: opts.extraRefs } : {}),
    }));

  const make = (runId: string | undefined, owner: boolean): Project => {
    const attempts = new AttemptCollector();
    const hooks = composeHooks([sharedHooks, attempts.hooks]);
    let api: UnifiedModelAPI | undefined;
    return {
      config,
      paths,
      ...(runId ? { runId } : {}),
      attempts,
      db,
      catalog: getCatalog,
      api: () =>
        (api ??= new UnifiedModelAPI({
          config,
          db: db(),
          hooks,
          pool: getPool(),
          catalog: getCatalog(),
          env,
          ...(runId ? { runId } : {}),
          ...(rank ? { rankCandidates: rank } : {}),
          ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
        })),
      forRun: (id) => make(id, false),
      addHooks: (h) => void shared.push(h),
      close: () => {
        if (!owner) return;
        database?.close();
        database = undefined;
      },
    };
  };
  return make(opts.runId, true);
}
