import type { ConfigOverrides } from '../config/load.js';
import { openProject, type Project } from './project.js';
import type { EffectiveRoles, ServerStatus } from '../models/catalog.js';
import type { ModelHooks } from '../models/types.js';
import type { HealthReport } from '../monitor/health.js';
import { healthUseCase } from './health.js';
import { healthFullUseCase } from './health-full.js';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ModelConfigurationManager } from '../models/config-manager.js';
import type { UnifiedModelAPI } from '../models/unified-model-api.js';
import { optimize, type OptimizeOptions } from '../optimize/index.js';
import type { OptimizeReport } from '../optimize/run.js';
import type { LocalRAGSystem } from '../research/rag-system.js';
import { manager } from './models-set.js';
import { modelsImportUseCase, type ModelsImportResult } from './models-import.js';
import { openResearch } from './open-research.js';
import {
  optimizeRunUseCase,
  type OptimizeEvent,
  type OptimizeRunOptions,
  type OptimizeRunResult,
} from './optimize-run.js';
import { SpecPRDProcessor, SpecRecoverySystem, totalTasks } from './spec-classes.js';
import type { OptimizationResult, ParameterRanges, Genome } from '../optimize/types.js';
import type { PrdEvent } from '../prd/processor.js';
import type { LoopOptions, LoopResult } from '../research/loop.js';
import { improveProposeUseCase, type ImproveProposeResult } from './improve-propose.js';
import { researchAddUseCase } from './research-add.js';
import { researchAskUseCase } from './research-ask.js';
import { researchLoopUseCase } from './research-loop.js';
import { parsePrdUseCase, type ParsePrdOptions, type ParsePrdResult } from './parse-prd.js';
import { expandUseCase, type ExpandOptions, type ExpandResult } from './expand.js';
import {
  analyzeComplexityUseCase,
  type AnalyzeComplexityOptions,
  type AnalyzeComplexityResult,
} from './analyze-complexity.js';
import { complexityReportUseCase, type ComplexityReportResult } from './complexity-report.js';
import type { RunControls } from './run-controls.js';
import type { ValidationReport } from './validation.js';
import type { AddResult, QueryOptions, ResearchAnswer } from '../research/rag-system.js';
import type { ProgressEvent } from '../models/types.js';
import type { RecoveryStatus } from '../recovery/types.js';
import { addTaskUseCase, type AddTaskOptions, type AddTaskResult } from './task-add.js';
import type { AppendResult } from './task-append.js';
import type { TaskEditCommon, TaskEditEvent } from './task-edit-common.js';
import type { RewriteResult } from './task-rewrite.js';
import { scopeUseCase, type ScopeOptions } from './task-scope.js';
import { updateFromUseCase, updateSubtaskUseCase, updateTaskUseCase, type UpdateTaskOptions } from './task-update.js';
import { recoverRunUseCase, recoverStatusUseCase, type RecoverRunOptions, type RecoverRunResult } from './recover.js';

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

/** Options of processProjectRequirements: the parse-prd use case's options plus its run controls. */
export interface RequirementsOptions extends ParsePrdOptions, RunControls<PrdEvent> {}

/** The specification's evaluation criteria and goal for optimizeConfiguration's default judge. */
export const DEFAULT_OPTIMIZATION_CRITERIA = 'response time, accuracy, resource efficiency, and maintainability';
export const DEFAULT_OPTIMIZATION_GOAL = 'Maximize system performance';

/** optimizeConfiguration without a fitness: the local-model judge and the run's size. */
export interface JudgedOptimizeOptions {
  evaluationCriteria?: string | string[];
  optimizationGoal?: string;
  populationSize?: number;
  maxGenerations?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** A PRD given as text or as a path: a single line naming an existing file is a path. */
function prdInput(prd: string, root: string): { prd: string } | { prdPath: string } {
  if (!prd.includes('\n') && prd.trim()) {
    const p = isAbsolute(prd.trim()) ? prd.trim() : resolve(root, prd.trim());
    if (existsSync(p) && statSync(p).isFile()) return { prdPath: p };
  }
  return { prd };
}

/**
 * Everything wired together: one project (config, SQLite file, model API with recovery hooks) and
 * each job on top of it, through the same use cases the CLI's commands call.
 */
export class TaskMasterLocalSystem {
  private constructor(
    readonly project: Project,
    private readonly env: NodeJS.ProcessEnv,
    private readonly flags: ConfigOverrides = {},
  ) {}

  /** Opens the project (default: the current directory's) and discovers the models on every configured server. */
  static async initialize(opts: SystemOptions = { cwd: process.cwd() }): Promise<TaskMasterLocalSystem> {
    const project = openProject({
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      ...(opts.flags ? { flags: opts.flags } : {}),
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
    });
    return new TaskMasterLocalSystem(project, opts.env ?? process.env, opts.flags);
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

  /**
   * parse-prd: decomposes a PRD (its text, or a path to it, or the options) into task-master's
   * tasks.json and records the run as an experience. `totalTasks` counts tasks and subtasks.
   */
  async processProjectRequirements(
    prd: string | RequirementsOptions = {},
    more: RequirementsOptions = {},
  ): Promise<ParsePrdResult & { totalTasks: number }> {
    const o = typeof prd === 'string' ? { ...more, ...prdInput(prd, this.project.paths.root) } : prd;
    const { onProgress, signal, onNote, ...options } = o;
    const r = await parsePrdUseCase(this.project, options, {
      ...(onProgress ? { onProgress } : {}),
      ...(signal ? { signal } : {}),
      ...(onNote ? { onNote } : {}),
    });
    return { ...r, totalTasks: totalTasks(r) };
  }

  /** expand: breaks tasks (--id or --all) into subtasks with the local models and writes them into tasks.json. */
  async expandTasks(o: ExpandOptions & RunControls<PrdEvent>): Promise<ExpandResult> {
    const { onProgress, signal, onNote, ...options } = o;
    return expandUseCase(this.project, options, {
      ...(onProgress ? { onProgress } : {}),
      ...(signal ? { signal } : {}),
      ...(onNote ? { onNote } : {}),
    });
  }

  /** analyze-complexity: scores tasks and writes task-master's complexity report. */
  async analyzeComplexity(o: AnalyzeComplexityOptions & RunControls<PrdEvent> = {}): Promise<AnalyzeComplexityResult> {
    const { onProgress, signal, onNote, ...options } = o;
    return analyzeComplexityUseCase(this.project, options, {
      ...(onProgress ? { onProgress } : {}),
      ...(signal ? { signal } : {}),
      ...(onNote ? { onNote } : {}),
    });
  }

  /** complexity-report: the tag's complexity report (or `file`), as task-master wrote or reads it. */
  complexityReport(o: { file?: string; tag?: string } = {}): ComplexityReportResult {
    return complexityReportUseCase({ cwd: this.project.paths.root, ...o });
  }

  /** Adds files or directories to the local knowledge base. */
  async addKnowledge(paths: string[], run: RunControls<ProgressEvent> = {}): Promise<AddResult> {
    return researchAddUseCase(this.project, { paths }, run);
  }

  /**
   * research: one cited answer with a confidence (recorded as an experience, as the CLI does), or an
   * autonomous loop with recommendations when `loop` is set.
   */
  async researchTopic(
    question: string,
    contextOrOpts: string | (QueryOptions & { loop?: LoopOptions }) = {},
  ): Promise<ResearchAnswer | LoopResult> {
    // The specification passes the context as the second argument: researchTopic(topic, context).
    const opts = typeof contextOrOpts === 'string' ? { context: contextOrOpts } : contextOrOpts;
    const { loop, signal, k, source, context, selfCheck } = opts;
    const run = signal ? { signal } : {};
    if (loop) {
      const { signal: _s, context: loopContext, ...rest } = loop;
      const ctx = loopContext ?? context;
      return researchLoopUseCase(
        this.project,
        { topic: question, ...rest, ...(ctx ? { context: ctx } : {}) },
        {
          ...(loop.signal ? { signal: loop.signal } : run),
        },
      );
    }
    const r = await researchAskUseCase(
      this.project,
      {
        question,
        ...(k !== undefined ? { k } : {}),
        ...(source ? { source } : {}),
        ...(context ? { context } : {}),
        ...(selfCheck !== undefined ? { selfCheck } : {}),
      },
      run,
    );
    return r.answer;
  }

  /**
   * optimize: evolves a genome within the ranges against the given fitness; without one, as the
   * specification implies, a stored `optimize` run judged by the local model on its criteria
   * (response time, accuracy, resource efficiency, maintainability) through the CLI's use case.
   * Takes (genome, ranges, opts) or the specification's ({targetParameters, parameterRanges}).
   */
  async optimizeConfiguration(
    genome: Genome,
    ranges: ParameterRanges,
    opts: OptimizeOptions,
  ): Promise<OptimizationResult>;
  async optimizeConfiguration(
    genome: Genome | { targetParameters: Genome; parameterRanges: ParameterRanges },
    ranges?: ParameterRanges,
    opts?: JudgedOptimizeOptions,
  ): Promise<OptimizeReport>;
  async optimizeConfiguration(
    genome: Genome | { targetParameters: Genome; parameterRanges: ParameterRanges },
    ranges?: ParameterRanges,
    opts: OptimizeOptions | JudgedOptimizeOptions = {},
  ): Promise<OptimizationResult | OptimizeReport> {
    const named = 'targetParameters' in genome && typeof genome.targetParameters === 'object';
    const g = (named ? genome.targetParameters : genome) as Genome;
    const r = (named ? (genome as { parameterRanges: ParameterRanges }).parameterRanges : ranges) ?? {};
    if ('fitness' in opts) return optimize(g, r, opts);
    const o = opts as JudgedOptimizeOptions;
    const spec = {
      genome: g,
      ranges: r,
      evaluation_criteria: o.evaluationCriteria ?? DEFAULT_OPTIMIZATION_CRITERIA,
      optimization_goal: o.optimizationGoal ?? DEFAULT_OPTIMIZATION_GOAL,
      ...(o.populationSize !== undefined ? { population_size: o.populationSize } : {}),
      ...(o.maxGenerations !== undefined ? { max_generations: o.maxGenerations } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    };
    const res = await optimizeRunUseCase(this.project, { specObject: spec }, o.signal ? { signal: o.signal } : {});
    return res.report;
  }

  /**
   * optimize --target prompts: evolves variants of a prompt (default parse-prd) on the valid split of
   * the project's dataset; `apply` writes the winner as a project prompt. The result carries the
   * winner against the prompt in effect (`prompt`) and what was written (`applied`).
   */
  async tunePrompt(
    opts: Pick<OptimizeRunOptions, 'prompt' | 'split' | 'seed' | 'population' | 'generations' | 'apply'> & {
      signal?: AbortSignal;
      onProgress?: (e: OptimizeEvent) => void;
    } = {},
  ): Promise<OptimizeRunResult> {
    const { signal, onProgress, ...o } = opts;
    return optimizeRunUseCase(
      this.project,
      { ...o, target: 'prompts' },
      { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) },
    );
  }

  /** improve: analyses recorded experiences, failures and metrics into proposals, saved as a set `improve --apply` can apply. */
  async autonomousImprovementCycle(opts: { meta?: boolean; signal?: AbortSignal } = {}): Promise<ImproveProposeResult> {
    const { signal, ...o } = opts;
    return improveProposeUseCase(this.project, o, signal ? { signal } : {});
  }

  /** health (or, with `full`, the validation suite across every module); both carry `overallStatus`. */
  async healthCheck(
    opts: { full?: boolean; timeoutMs?: number } = {},
  ): Promise<HealthReport | (ValidationReport & { overallStatus: ValidationReport['overall'] })> {
    const base = {
      cwd: this.project.paths.root,
      env: this.env,
      ...(this.flags.mode ? { mode: this.flags.mode } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    };
    if (!opts.full) return healthUseCase(base);
    const v = await healthFullUseCase(base);
    return { ...v, overallStatus: v.overall };
  }

  /** The project's model API (the specification's UnifiedModelAPI; addModel registers a model for this process). */
  get api(): UnifiedModelAPI {
    return this.project.api();
  }

  /** config.json's manager (setDeploymentMode, addModelConfiguration, exportConfiguration, …). */
  modelConfigurationManager(): ModelConfigurationManager {
    return manager(this.project);
  }

  /** models --import: an export or the specification's configuration shape, checked whole first. */
  async importConfiguration(path: string): Promise<ModelsImportResult> {
    return modelsImportUseCase(this.project, { path });
  }

  /** The specification's RecursivePRDProcessor(api): processPrd(text) and exportToTaskmasterFormat(). */
  recursivePRDProcessor(): SpecPRDProcessor {
    return new SpecPRDProcessor(this.project);
  }

  /** The specification's LocalRAGSystem(api) on this project's knowledge base. */
  localRAGSystem(): LocalRAGSystem {
    return openResearch(this.project);
  }

  /** The specification's FailureRecoverySystem(api): reportFailure, getRecoveryStatus, testRecoverySystem. */
  failureRecoverySystem(): SpecRecoverySystem {
    return new SpecRecoverySystem(this.project);
  }

  /** recover --run: resumes interrupted runs once their cause is gone and checks the cause of every other open failure. */
  async recoverFailures(opts: RecoverRunOptions & RunControls<ProgressEvent> = {}): Promise<RecoverRunResult> {
    const { signal, onProgress, onNote: _n, ...o } = opts;
    return recoverRunUseCase(this.project, o, { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) });
  }

  /** recover status: failures, recovered (replayed successes only), cause cleared, recovery rate and MTTR. */
  recoveryStatus(): RecoveryStatus {
    return recoverStatusUseCase(this.project);
  }

  /** add-task: a task written by the model from `prompt`, or given by hand (`title`, `description`). */
  addTask(o: AddTaskOptions, run: RunControls<TaskEditEvent> = {}): Promise<AddTaskResult> {
    return addTaskUseCase(this.project, o, run);
  }

  /** update-task (`append`: a timestamped note), update-subtask (`id` P.S), update (`from`): the CLI's use cases. */
  updateTasks(
    o:
      | (UpdateTaskOptions & { kind: 'task' })
      | (TaskEditCommon & { kind: 'subtask'; id: string })
      | (TaskEditCommon & { kind: 'from'; from: string }),
    run: RunControls<TaskEditEvent> = {},
  ): Promise<RewriteResult | AppendResult> {
    if (o.kind === 'subtask') return updateSubtaskUseCase(this.project, o, run);
    if (o.kind === 'from') return updateFromUseCase(this.project, o, run);
    return updateTaskUseCase(this.project, o, run);
  }

  /** scope-up / scope-down. */
  scopeTasks(o: ScopeOptions, run: RunControls<TaskEditEvent> = {}): Promise<RewriteResult> {
    return scopeUseCase(this.project, o, run);
  }

  /** Closes the SQLite file. */
  close(): void {
    this.project.close();
  }
}
