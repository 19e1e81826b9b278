/** models --import: a file written by `models --export` merged into config.json. */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import { manager } from './models-set.js';
import type { Project } from './project.js';

/** Reads and imports the file (validated before anything is written; redacted secrets keep their current value). */
export function modelsImportUseCase(project: Project, o: { path: string; cwd?: string }) {
  const path = isAbsolute(o.path) ? o.path : resolve(o.cwd ?? project.paths.root, o.path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValidationError(`cannot read ${o.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'give the path of a file written by `models --export`',
    });
  }
  manager(project).importConfig(text, o.path);
  return { imported: path, config: project.config.configPath };
}
