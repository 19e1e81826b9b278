import { listProjectPrompts, packagedPromptNames, promptVersions, applyProjectPrompts } from '../prompting/index.js';
import type { Project } from './project.js';

/** One prompt name and what is in effect for it in this project. */
export interface PromptInEffect {
  name: string;
  /** `name@vN` (packaged) or `name@vN+project`. */
  inEffect: string;
  source: 'packaged' | 'project';
  packaged?: string;
  path?: string;
  /** A project prompt that is not used, and why. */
  error?: string;
  hint?: string;
}

/** Which prompt is in effect for each name: the packaged one or the project's (`.taskmaster/prompts/`). */
export function finetunePromptsUseCase(project: Project): { dir: string; prompts: PromptInEffect[] } {
  applyProjectPrompts(project.paths.prompts);
  const overrides = new Map(listProjectPrompts().map((p) => [p.name, p]));
  const names = [...new Set([...packagedPromptNames(), ...overrides.keys()])].sort();
  const prompts = names.map((name): PromptInEffect => {
    const latest = promptVersions(name).at(-1);
    const packaged = latest === undefined ? undefined : `${name}@v${latest}`;
    const o = overrides.get(name);
    if (o && !o.error)
      return { name, inEffect: o.id, source: 'project', path: o.path, ...(packaged ? { packaged } : {}) };
    return {
      name,
      inEffect: packaged ?? 'none',
      source: 'packaged',
      ...(packaged ? { packaged } : {}),
      ...(o ? { path: o.path, error: o.error, hint: o.hint } : {}),
    };
  });
  return { dir: project.paths.prompts, prompts };
}
