import type { DeploymentMode } from '../../src/config/vocabulary.js';
import { openProject, type Project } from '../../src/application/project.js';
import type { ConfigOverrides } from '../../src/config/load.js';

/**
 * Opens the project of the shell's directory for one command (with `--mode` for this run only, and any
 * other config overrides), runs `fn`, and closes the database whatever happens.
 */
export async function withProject<T>(
  o: { mode?: DeploymentMode | undefined; flags?: ConfigOverrides },
  fn: (project: Project) => Promise<T>,
): Promise<T> {
  const project = openProject({
    cwd: process.cwd(),
    env: process.env,
    flags: { ...o.flags, ...(o.mode ? { mode: o.mode } : {}) },
  });
  try {
    return await fn(project);
  } finally {
    project.close();
  }
}
