/**
 * The specification's classes where its methods need a whole run: the capability classes extended
 * with the methods it names, each a thin adapter over the use case the CLI calls (no second assembly
 * of a run). Built from a project, e.g. `system.recursivePRDProcessor()`.
 */
import { isAbsolute, resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import { RecursivePRDProcessor as PrdProcessorCore } from '../prd/processor.js';
import { FailureRecoverySystem as RecoveryCore } from '../recovery/system.js';
import { PrdRepo } from '../storage/prd-repo.js';
import { writeTag } from '../taskmaster/tasks-file.js';
import { parsePrdUseCase, type ParsePrdResult } from './parse-prd.js';
import type { Project } from './project.js';
import type { SelfTestResult } from './self-test.js';

/** Tasks and subtasks of a parse-prd result (the specification's `total_tasks`). */
export function totalTasks(r: Pick<ParsePrdResult, 'tasks'>): number {
  return r.tasks.reduce((n, t) => n + 1 + t.subtasks.length, 0);
}

/** Options of processPrd: the specification's max_depth, and the run's other settings. */
export interface ProcessPrdOptions {
  maxDepth?: number;
  numTasks?: number;
  signal?: AbortSignal;
}

/** RecursivePRDProcessor with the specification's processPrd(text) and exportToTaskmasterFormat(). */
export class SpecPRDProcessor extends PrdProcessorCore {
  private last: ParsePrdResult | undefined;

  constructor(private readonly project: Project) {
    super({ api: project.api(), repo: new PrdRepo(project.db()) });
  }

  /** Plans the PRD text (nothing written; the run is recorded as parse-prd records it). */
  async processPrd(prd: string, o: ProcessPrdOptions = {}): Promise<ParsePrdResult & { totalTasks: number }> {
    const r = await parsePrdUseCase(
      this.project,
      {
        prd,
        dryRun: true,
        ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
        ...(o.numTasks !== undefined ? { numTasks: o.numTasks } : {}),
      },
      o.signal ? { signal: o.signal } : {},
    );
    this.last = r;
    return { ...r, totalTasks: totalTasks(r) };
  }

  /**
   * Writes the last processPrd plan into a tasks.json (default the project's) under its tag; an
   * existing non-empty tag is refused unless `force`. Returns the path written.
   */
  exportToTaskmasterFormat(path?: string, o: { tag?: string; force?: boolean } = {}): string {
    const last = this.last;
    if (!last) {
      throw new ValidationError('nothing to export: processPrd has not run', {
        hint: 'call processPrd(prdText) first',
      });
    }
    const root = this.project.paths.root;
    const out = path ? (isAbsolute(path) ? path : resolve(root, path)) : this.project.paths.tasks;
    writeTag(out, {
      tag: o.tag ?? last.tag,
      mode: o.force ? 'force' : 'create',
      build: () => last.tasks as unknown as Record<string, unknown>[],
    });
    return out;
  }
}

/** FailureRecoverySystem with the specification's testRecoverySystem(). */
export class SpecRecoverySystem extends RecoveryCore {
  constructor(project: Project) {
    super({ db: project.db(), config: project.config, api: async () => project.api() });
  }

  /** The fault-injection self-test (`recover --self-test`); `recoverySuccessful` when every case ended as it must. */
  async testRecoverySystem(): Promise<SelfTestResult & { recoverySuccessful: boolean }> {
    const { runSelfTest } = await import('./self-test.js');
    const r = await runSelfTest();
    return { ...r, recoverySuccessful: r.ok };
  }
}
