/**
 * Per-project prompts: `.taskmaster/prompts/<name>/v<N>.md` overrides the packaged prompt of the same
 * name (the highest N wins). An override must use exactly the packaged prompt's variables and render
 * in a dry run; one that does not is never used: loading that prompt fails with one line and a hint.
 * In effect, a prompt's id is `name@vN+project`, recorded with every call, cache key and experience.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';

/** One project prompt as found on disk. */
export interface ProjectPrompt {
  name: string;
  version: number;
  id: string;
  path: string;
  /** Set when the override is not used. */
  error?: string;
  hint?: string;
  template: string;
  /** The packaged prompt it replaces (`name@vN`), when there is one. */
  replaces?: string;
}

export interface Packaged {
  versions: (name: string) => number[];
  template: (name: string, version: number) => string;
}

let active: { dir: string; prompts: Map<string, ProjectPrompt> } | undefined;

const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The `{{variables}}` a template uses, sorted and unique. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(VAR)].map((m) => m[1]!))].sort();
}

/** Validates a project prompt against the packaged prompt it replaces; `error` is set when it may not be used. */
export function validate(p: ProjectPrompt, packaged: Packaged): ProjectPrompt {
  const versions = packaged.versions(p.name);
  const latest = versions.at(-1);
  const fix = `edit ${p.path} or remove it to use the packaged prompt`;
  if (latest === undefined)
    return { ...p, error: `project prompt ${p.id}: there is no packaged prompt named ${p.name}`, hint: fix };
  const replaces = `${p.name}@v${latest}`;
  const want = templateVariables(packaged.template(p.name, latest));
  const have = templateVariables(p.template);
  const missing = want.filter((v) => !have.includes(v));
  const extra = have.filter((v) => !want.includes(v));
  const list = (vs: string[]) => vs.map((v) => `{{${v}}}`).join(', ');
  if (missing.length || extra.length) {
    const what = [
      missing.length ? `missing ${list(missing)}` : '',
      extra.length ? `unknown ${list(extra)}` : '',
    ].filter(Boolean);
    return {
      ...p,
      replaces,
      error: `project prompt ${p.id}: ${what.join(' and ')} (${replaces} uses ${list(want) || 'no variables'})`,
      hint: `${fix}; it is not used until it has exactly the packaged variables`,
    };
  }
  // Dry run: every variable filled, the result must hold text besides the variables.
  const dry = p.template.replace(VAR, '').trim();
  if (!dry) return { ...p, replaces, error: `project prompt ${p.id}: renders to no text`, hint: fix };
  return { ...p, replaces };
}

/** Reads and validates the prompts under `dir` (none when it does not exist); they apply to every later load. */
export function applyProjectPrompts(dir: string | undefined, packaged: Packaged): ProjectPrompt[] {
  const prompts = new Map<string, ProjectPrompt>();
  if (dir && existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const d = join(dir, name);
      if (!statSync(d).isDirectory()) continue;
      const version = readdirSync(d)
        .map((f) => /^v(\d+)\.md$/.exec(f)?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number)
        .sort((a, b) => a - b)
        .at(-1);
      if (version === undefined) continue;
      const path = join(d, `v${version}.md`);
      const p: ProjectPrompt = {
        name,
        version,
        id: `${name}@v${version}+project`,
        path,
        template: readFileSync(path, 'utf8'),
      };
      prompts.set(name, validate(p, packaged));
    }
  }
  active = dir ? { dir, prompts } : undefined;
  return [...prompts.values()];
}

/** The project prompts read by the last `applyProjectPrompts`. */
export function listProjectPrompts(): ProjectPrompt[] {
  return [...(active?.prompts.values() ?? [])];
}

/**
 * The override for a prompt request: asked without a version or for the packaged latest one (older
 * packaged versions stay available for side-by-side runs). Throws for an override that failed validation.
 */
export function projectOverride(name: string, version?: number): ProjectPrompt | undefined {
  const p = active?.prompts.get(name);
  if (!p) return undefined;
  if (version !== undefined && p.replaces && p.replaces !== `${name}@v${version}`) return undefined;
  if (p.error) throw new ValidationError(p.error, { hint: p.hint });
  return p;
}
