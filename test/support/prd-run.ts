import type { Project } from '../../src/application/project.js';
import type { PrdOptions } from '../../src/prd/processor.js';
import { parsePrd, type ParsePrdInput, type ParsePrdOutput } from '../../src/prd/run.js';
import { PrdRepo } from '../../src/storage/prd-repo.js';

/** parse-prd's engine options as tests use them (the CLI's defaults, no model required, no cache bypass), with `o` on top. */
export function prdOptions(o: Partial<PrdOptions> = {}): PrdOptions {
  return {
    numTasks: 0,
    maxDepth: 2,
    concurrency: 4,
    requireModel: false,
    noCache: false,
    resume: false,
    complexityThreshold: 5,
    ...o,
  };
}

/**
 * parse-prd's engine on an open project, as a first run writes it: into the project's tasks.json, tag master,
 * with prdOptions() and the project's model API and PRD repository; `input` on top.
 */
export function parsePrdIn(
  p: Project,
  input: Pick<ParsePrdInput, 'prd' | 'prdPath'> & Partial<ParsePrdInput>,
): Promise<ParsePrdOutput> {
  return parsePrd(
    { tasksPath: p.paths.tasks, tag: 'master', mode: 'create', dryRun: false, options: prdOptions(), ...input },
    { api: p.api(), repo: new PrdRepo(p.db()) },
  );
}
