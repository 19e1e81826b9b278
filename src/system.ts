import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigOverrides } from './config/load.js';
import { openProject, type Project } from './context.js';
import { MetaLearningEngine, type ImproveResult } from './learning/engine.js';
import { recordPrdRunSafely, writtenTasks } from './learning/record-run.js';
import type { EffectiveRoles, ServerStatus } from './models/catalog.js';
import type { ModelHooks } from './models/types.js';
import { runHealth, type HealthReport } from './monitor/health.js';
import { runValidation, type ValidationReport } from './application/validation.js';
import { optimize, type OptimizeOptions } from './optimize/index.js';
import type { OptimizationResult, ParameterRanges, Genome } from './optimize/types.js';
import { readPrd } from './prd/input.js';
import type { PrdEvent, PrdOptions } from './prd/processor.js';
import { parsePrd, type ParsePrdOutput } from './prd/run.js';
import type { LoopOptions, LoopResult } from './research/loop.js';
import { openResearch } from './research/index.js';
import type { QueryOptions, ResearchAnswer } from './research/rag-system.js';
import { PrdRepo } from './storage/prd-repo.js';
import { currentTag } from './taskmaster/state.js';
import type { WriteMode } from './taskmaster/tasks-file.js';

/** Options of TaskMasterLocalSystem.initialize. */
export interface SystemOptions {
  /** Project directory (the nearest ancestor with .taskmaster/ is used). */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigOverrides;
  hooks?: ModelHooks[];
}

/** What initialize() found: mode, servers and the effective roles. */
export interface SystemStatus {
  mode: string;
  modeSource: string;
  servers: ServerStatus[];
  roles: EffectiveRoles;
}

/** Options of processProjectRequirements (defaults as the CLI's parse-prd). */
export interface RequirementsOptions extends Partial<PrdOptions> {
  /** PRD text; when absent, `prdPath` (default .taskmaster/docs/prd.txt) is read. */
  prd?: string;
  prdPath?: string;
  tag?: string;
  /** create (default): fail on a non-empty tag; force: replace it; append: add after it. */
  writeMode?: WriteMode;
  dryRun?: boolean;
  onProgress?: (e: PrdEvent) => void;
  signal?: AbortSignal;
}

/**
 * Everything wired together: one project (config, SQLite file, model door with recovery hooks) and
 * each capability on top of it. The CLI's commands are thin shells over the same calls.
 */
export class TaskMasterLocalSystem {
  private constructor(
    readonly project: Project,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Opens the project and discovers the models on every configured server. */
  static async initialize(opts: SystemOptions): Promise<TaskMasterLocalSystem> {
    const project = openProject({
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      ...(opts.flags ? { flags: opts.flags } : {}),
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
    });
    return new TaskMasterLocalSystem(project, opts.env ?? process.env);
  }

  /** Deployment mode, reachable servers and the roles that calls will use. */
  async status(signal?: AbortSignal): Promise<SystemStatus> {
    const catalog = this.project.catalog();
    const servers = await catalog.servers(signal);
    return {
      mode: this.project.config.local.mode,
      modeSource: this.project.config.sources.mode ?? 'default',
      servers,
      roles: await catalog.effectiveRoles(signal),
    };
  }

  /** parse-prd: decomposes a PRD into task-master's tasks.json and records the run as an experience. */
  async processProjectRequirements(o: RequirementsOptions = {}): Promise<ParsePrdOutput> {
    const p = this.project;
    const prdPath = o.prdPath
      ? isAbsolute(o.prdPath)
        ? o.prdPath
        : resolve(p.paths.root, o.prdPath)
      : p.paths.defaultPrd;
    const text = o.prd ?? readPrd(prdPath).text;
    const runId = randomUUID();
    const main = p.config.roles.main;
    let out: ParsePrdOutput | undefined;
    try {
      out = await parsePrd(
        {
          runId,
          prd: text,
          prdPath,
          tasksPath: p.paths.tasks,
          tag: o.tag ?? currentTag(p.paths.state),
          mode: o.writeMode ?? 'create',
          dryRun: o.dryRun ?? false,
          ...(main ? { configuredModel: `${main.provider}/${main.modelId}` } : {}),
          options: {
            numTasks: o.numTasks ?? 0,
            maxDepth: o.maxDepth ?? 2,
            concurrency: o.concurrency ?? p.config.local.concurrency,
            requireModel: o.requireModel ?? false,
            noCache: o.noCache ?? !p.config.local.cache,
            resume: o.resume ?? false,
            complexityThreshold: o.complexityThreshold ?? 5,
            ...(o.model ? { model: o.model } : {}),
          },
        },
        {
          api: p.api(),
          repo: new PrdRepo(p.db()),
          ...(o.onProgress ? { onProgress: o.onProgress } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
        },
      );
      return out;
    } finally {
      if (!o.signal?.aborted)
        await recordPrdRunSafely(
          p,
          runId,
          text,
          out?.written ? writtenTasks(out.tasksPath, out.tag, out.tasks) : undefined,
        );
    }
  }

  /** Adds files or directories to the local knowledge base. */
  async addKnowledge(paths: string[]) {
    return openResearch(this.project).addSources(paths, { cwd: this.project.paths.root });
  }

  /** research: one cited answer with a confidence, or an autonomous loop with recommendations when `loop` is set. */
  async researchTopic(
    question: string,
    opts: QueryOptions & { loop?: LoopOptions } = {},
  ): Promise<ResearchAnswer | LoopResult> {
    const rag = openResearch(this.project);
    if (opts.loop) return rag.autonomousResearchLoop(question, opts.loop);
    return rag.researchQuery(question, opts);
  }

  /** optimize: evolves a genome within the ranges against the given fitness. */
  async optimizeConfiguration(
    genome: Genome,
    ranges: ParameterRanges,
    opts: OptimizeOptions,
  ): Promise<OptimizationResult> {
    return optimize(genome, ranges, opts);
  }

  /** improve: analyses recorded experiences, failures and metrics into proposals (not applied). */
  async autonomousImprovementCycle(opts: { meta?: boolean; signal?: AbortSignal } = {}): Promise<ImproveResult> {
    return MetaLearningEngine.forProject(this.project).improve(opts);
  }

  /** health (or, with `full`, the validation suite across every module). */
  async healthCheck(opts: { full?: boolean } = {}): Promise<HealthReport | ValidationReport> {
    const base = { cwd: this.project.paths.root, env: this.env };
    return opts.full ? runValidation(base) : runHealth(base);
  }

  /** Closes the SQLite file. */
  close(): void {
    this.project.close();
  }
}
