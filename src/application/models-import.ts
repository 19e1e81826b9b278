/** models --import: a file written by `models --export` merged into config.json. */
import { isAbsolute, resolve } from 'node:path';
import { readTextFile } from '../util/fs.js';
import { manager } from './models-set.js';
import type { Project } from './project.js';

/** Reads and imports the file (validated before anything is written; redacted secrets keep their current value). */
export function modelsImportUseCase(project: Project, o: { path: string; cwd?: string }) {
  const path = isAbsolute(o.path) ? o.path : resolve(o.cwd ?? project.paths.root, o.path);
  manager(project).importConfig(readTextFile(path), o.path);
  return { imported: path, config: project.config.configPath };
}
