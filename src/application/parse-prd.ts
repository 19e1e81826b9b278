/**
 * parse-prd, the one assembly of a run: which PRD, which tasks file and tag, the plan options with
 * the project's defaults (concurrency, cache), the configured model to name when none answers, the
 * run id on every model call, and the experience recorded at the end. The CLI command and the
 * library facade both call `parsePrdUseCase`, so they cannot drift.
 */
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { writtenTasks } from '../learning/record-run.js';
import { readPrd } from '../prd/input.js';
import type { PrdEvent, PrdOptions } from '../prd/processor.js';
import { parsePrd, type ParsePrdOutput } from '../prd/run.js';
import { trackRun } from '../recovery/runs.js';
import { PrdRepo } from '../storage/prd-repo.js';
import { withGroupedWrites } from '../storage/write-group.js';
import { currentTag } from '../taskmaster/state.js';
import type { WriteMode } from '../taskmaster/tasks-file.js';
import { recordPrdRunSafely } from './learning.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

/** What to parse and how; everything left out takes the project's default (as `parse-prd` with no flags). */
export interface ParsePrdOptions extends Partial<Omit<PrdOptions, 'defaultContextLength'>> {
  /** PRD text; when absent, `prdPath` is read. */
  prd?: string;
  /** PRD file (default .taskmaster/docs/prd.txt); relative paths start at `cwd`. */
  prdPath?: string;
  /** tasks.json to write (default .taskmaster/tasks/tasks.json); relative paths start at `cwd`. */
  tasksPath?: string;
  /** Tag to write (default: state.json's current tag, else master). */
  tag?: string;
  /** create (default): fail on a non-empty tag; force: replace it; append: add after it. */
  writeMode?: WriteMode;
  /** Plan and return the tasks; write nothing to tasks.json. */
  dryRun?: boolean;
  /** Where relative paths start (the CLI passes the shell's directory); default the project root. */
  cwd?: string;
}

/** The run's result: the tasks written (or that would be), the summary and what to tell the user. */
export type ParsePrdResult = ParsePrdOutput;

/**
 * Decomposes a PRD into task-master's tasks.json and records the run as an experience for `improve`
 * (finished and failed runs; an interrupted one says nothing about the models and is skipped).
 * Caching: `noCache` defaults to `!local.cache`, so `local.cache=false` means fresh answers and no
 * checkpoint reuse unless `resume`.
 */
export async function parsePrdUseCase(
  project: Project,
  o: ParsePrdOptions = {},
  run: RunControls<PrdEvent> = {},
): Promise<ParsePrdResult> {
  const base = o.cwd ?? project.paths.root;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const prdPath = o.prdPath ? abs(o.prdPath) : project.paths.defaultPrd;
  const text = o.prd ?? readPrd(prdPath).text;
  const runId = randomUUID();
  // Every metrics row of this run's calls carries its id, so the experience reads exactly its calls.
  const scoped = project.forRun(runId);
  const { local, roles } = project.config;
  const main = roles.main;
  const tasksPath = o.tasksPath ? abs(o.tasksPath) : project.paths.tasks;
  const tag = o.tag ?? currentTag(project.paths.state);
  // The operation (recover --run resumes an interrupted run with it; a later success of the same one ends the interruption).
  const writeMode = o.writeMode ?? 'create';
  // How the tag is written is left out: `--force` after a failed run still does what the run failed to do.
  const identity = {
    prd: text,
    prdPath,
    tasksPath,
    tag,
    dryRun: o.dryRun ?? false,
    numTasks: o.numTasks ?? 0,
    maxDepth: o.maxDepth ?? 2,
    complexityThreshold: o.complexityThreshold ?? 5,
    ...(o.model ? { model: o.model } : {}),
  };
  const options = {
    numTasks: identity.numTasks,
    maxDepth: identity.maxDepth,
    concurrency: o.concurrency ?? local.concurrency,
    requireModel: o.requireModel ?? false,
    noCache: o.noCache ?? !local.cache,
    resume: o.resume ?? false,
    complexityThreshold: identity.complexityThreshold,
    ...(o.model ? { model: o.model } : {}),
  };
  // Thousands of small writes (checkpoints, cached answers, metrics rows) commit in shared transactions.
  return withGroupedWrites(project.db(), async () => {
    let out: ParsePrdOutput | undefined;
    try {
      const job = {
        job: 'parse-prd',
        identity,
        input: {
          ...identity,
          writeMode,
          ...(o.concurrency ? { concurrency: o.concurrency } : {}),
          noCache: options.noCache,
        },
        runId,
        resumed: options.resume,
        // A finished run answered every node it asked for; a structural plan answered none.
        answered: ['prd'],
        verified: (r: ParsePrdOutput) => !r.structural,
      };
      out = await trackRun(project.db(), job, () =>
        parsePrd(
          {
            runId,
            prd: text,
            prdPath,
            tasksPath,
            tag,
            mode: writeMode,
            dryRun: identity.dryRun,
            ...(main ? { configuredModel: `${main.provider}/${main.modelId}` } : {}),
            options,
          },
          {
            api: scoped.api(),
            repo: new PrdRepo(project.db()),
            ...(run.onProgress ? { onProgress: run.onProgress } : {}),
            ...(run.signal ? { signal: run.signal } : {}),
          },
        ),
      );
      return out;
    } finally {
      if (!run.signal?.aborted) {
        const written = out?.written ? writtenTasks(out.tasksPath, out.tag, out.tasks) : undefined;
        const note = await recordPrdRunSafely(scoped, runId, text, written);
        if (note) run.onNote?.(note);
        for (const n of scoped.api().notes) run.onNote?.(n);
      }
    }
  });
}
