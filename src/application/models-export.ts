/** models --export: config.json with secrets redacted, as text or into a file. */
import { isAbsolute, resolve } from 'node:path';
import { atomicWriteFile } from '../util/fs.js';
import { manager } from './models-set.js';
import type { Project } from './project.js';

/** The redacted config; written to `path` (relative to `cwd`) when given. */
export function modelsExportUseCase(project: Project, o: { path?: string; cwd?: string } = {}) {
  const text = manager(project).exportConfig();
  if (!o.path) return { text };
  const path = isAbsolute(o.path) ? o.path : resolve(o.cwd ?? project.paths.root, o.path);
  atomicWriteFile(path, text);
  return { text, path };
}
