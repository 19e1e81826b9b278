/**
 * Where a project's files are. No schema and no zod: commands that only read a file (complexity-report)
 * find the project without loading the configuration machinery.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Paths of task-master's files below a project root. */
export function projectPaths(root: string) {
  const tm = join(root, '.taskmaster');
  return {
    root,
    taskmasterDir: tm,
    config: join(tm, 'config.json'),
    state: join(tm, 'state.json'),
    tasks: join(tm, 'tasks', 'tasks.json'),
    docs: join(tm, 'docs'),
    defaultPrd: join(tm, 'docs', 'prd.txt'),
    research: join(tm, 'docs', 'research'),
    /** Per-project prompts: `<name>/v<N>.md` overrides the packaged prompt of that name. */
    prompts: join(tm, 'prompts'),
    db: join(tm, 'local.db'),
  };
}

/** Nearest ancestor with a .taskmaster directory; else the start directory itself. */
export function findProjectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.taskmaster'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(start);
    dir = up;
  }
}
