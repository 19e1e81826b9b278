import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';
import type { ChatMessage, ChatRole } from '../models/types.js';
import {
  projectOverride,
  applyProjectPrompts as readProjectPrompts,
  validate,
  type Packaged,
  type ProjectPrompt,
} from './project-prompts.js';

/** A rendered prompt: `id` is `name@vN`, recorded with every call, cache key and experience. */
export interface RenderedPrompt {
  id: string;
  name: string;
  version: number;
  text: string;
}

export type PromptVars = Record<string, string | number | boolean | undefined>;

/** How a request's prompt was rendered: the name, the version asked for and the variables, so it can be rendered again. */
export interface PromptSource {
  name: string;
  version?: number;
  vars: PromptVars;
}

export interface PromptOptions {
  /** Exact version; default = the highest `v<N>.md` present. */
  version?: number;
  /** Directory holding `<name>/v<N>.md`; default = the package's `prompts/`. */
  dir?: string;
}

let defaultDir: string | undefined;

/**
 * The package's `prompts/` directory. Found by walking up from this module, because the module
 * runs both from `src/` (tests) and `dist/src/` (the built CLI), at different depths.
 */
export function promptsDir(): string {
  if (defaultDir) return defaultDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'prompts')) && existsSync(join(dir, 'package.json'))) {
      defaultDir = join(dir, 'prompts');
      return defaultDir;
    }
    const up = dirname(dir);
    if (up === dir)
      throw new AppError('INTERNAL', 'prompts/ directory not found next to package.json', {
        hint: 'reinstall task-master-local; the package ships its prompts/ folder',
      });
    dir = up;
  }
}

const packagedVersions = new Map<string, number[]>();

/** Versions available for a prompt name, ascending (the package's own prompts are listed once per process). */
export function promptVersions(name: string, dir = promptsDir()): number[] {
  const packaged = dir === defaultDir;
  const known = packaged ? packagedVersions.get(name) : undefined;
  if (known) return known;
  const d = join(dir, name);
  if (!existsSync(d)) return [];
  const versions = readdirSync(d)
    .map((f) => /^v(\d+)\.md$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (packaged) packagedVersions.set(name, versions);
  return versions;
}

/** Names of the packaged prompts, sorted. */
export function packagedPromptNames(): string[] {
  return readdirSync(promptsDir())
    .filter((n) => promptVersions(n).length > 0)
    .sort();
}

const templates = new Map<string, string>();

function readTemplate(dir: string, name: string, version: number): string {
  const key = `${dir}\u0000${name}\u0000${version}`;
  const cached = templates.get(key);
  if (cached !== undefined) return cached;
  const path = join(dir, name, `v${version}.md`);
  if (!existsSync(path)) {
    throw new AppError('NOT_FOUND', `prompt ${name}@v${version} not found (${path})`, {
      hint: `available versions: ${
        promptVersions(name, dir)
          .map((v) => `v${v}`)
          .join(', ') || 'none'
      }`,
    });
  }
  const text = readFileSync(path, 'utf8');
  templates.set(key, text);
  return text;
}

/**
 * Renders `{{var}}` placeholders in one pass: values are inserted verbatim and never re-scanned,
 * so a PRD containing `{{something}}` cannot inject template syntax. A missing variable is a bug
 * and throws, rather than silently sending a prompt with a hole in it.
 */
export function renderTemplate(template: string, vars: PromptVars, label = 'template'): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, key: string) => {
    const v = vars[key];
    if (v === undefined) {
      throw new AppError('INTERNAL', `${label}: variable {{${key}}} has no value`, {
        hint: 'this is a bug in the caller of the prompt; report it',
      });
    }
    return String(v);
  });
}

/** Loads `prompts/<name>/v<N>.md` (latest unless a version is given) and renders it. */
export function loadPrompt(name: string, vars: PromptVars = {}, opts: PromptOptions = {}): RenderedPrompt {
  const dir = opts.dir ?? promptsDir();
  if (!opts.dir) {
    const o = projectOverride(name, opts.version);
    if (o) return { id: o.id, name, version: o.version, text: renderTemplate(o.template, vars, o.id) };
  }
  const version = opts.version ?? promptVersions(name, dir).at(-1);
  if (version === undefined) {
    throw new AppError('NOT_FOUND', `prompt ${name} not found in ${dir}`, {
      hint: `add ${join(dir, name, 'v1.md')}`,
    });
  }
  const id = `${name}@v${version}`;
  const text = renderTemplate(readTemplate(dir, name, version), vars, id);
  return { id, name, version, text };
}

export { listProjectPrompts, templateVariables, type ProjectPrompt } from './project-prompts.js';

const packagedSource: Packaged = {
  versions: (name) => promptVersions(name),
  template: (name, version) => readTemplate(promptsDir(), name, version),
};

/**
 * The template `loadPrompt(name, …, {version})` renders now: the project override in effect, else the
 * packaged file. `id` is what a call with it records (`name@vN` or `name@vN+project`).
 */
export function templateInEffect(name: string, version?: number): { id: string; version: number; template: string } {
  const o = projectOverride(name, version);
  if (o) return { id: o.id, version: o.version, template: o.template };
  const v = version ?? promptVersions(name).at(-1);
  if (v === undefined)
    throw new AppError('NOT_FOUND', `prompt ${name} not found`, {
      hint: `prompts: ${packagedPromptNames().join(', ')}`,
    });
  return { id: `${name}@v${v}`, version: v, template: readTemplate(promptsDir(), name, v) };
}

/**
 * Checks a template as a project prompt `name@v<version>` would be checked (the packaged prompt's
 * variables exactly, text besides them); returns the error line and hint, or nothing when it is usable.
 */
export function checkProjectTemplate(
  name: string,
  version: number,
  template: string,
): { error: string; hint?: string } | undefined {
  const p = validate(
    { name, version, id: `${name}@v${version}+project`, path: `${name}/v${version}.md`, template },
    packagedSource,
  );
  return p.error ? { error: p.error, ...(p.hint ? { hint: p.hint } : {}) } : undefined;
}

/** The wordings, output hints and example framing `optimize --target prompts` varies for a prompt (`prompts/<name>/tuning.json`). */
export interface TuningSet {
  /** Whole alternative templates, each with exactly the prompt's variables. */
  wordings: string[];
  /** One-line output hints (a variant takes none or one). */
  hints: string[];
  /** Frames one example from the train split: `{{input}}` (the start of its input) and `{{answer}}` (what the team kept). */
  shot: string;
  /** The answer's list key: `tasks` or `subtasks`. */
  answerKey: string;
}

/** The tuning set shipped for a prompt, or undefined when the prompt has none. */
export function tuningSet(name: string): TuningSet | undefined {
  const path = join(promptsDir(), name, 'tuning.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as TuningSet;
}

/** Names of the prompts with a tuning set, sorted. */
export function tunablePromptNames(): string[] {
  return packagedPromptNames().filter((n) => existsSync(join(promptsDir(), n, 'tuning.json')));
}

/**
 * Makes `<dir>/<name>/v<N>.md` override the packaged prompts of the same names (validated against
 * them; see project-prompts.ts) for every later load in this process; undefined turns overrides off.
 */
export function applyProjectPrompts(dir: string | undefined): ProjectPrompt[] {
  return readProjectPrompts(dir, packagedSource);
}

const ROLE_MARKER = /^@@\s*(system|user|assistant)\s*$/;

/**
 * Splits a rendered prompt into chat messages at marker lines `@@ system` / `@@ user` /
 * `@@ assistant`. Text before the first marker (or a prompt without markers) is one user message.
 * Markers are matched in the template only: a line `@@ user` inside an inserted value would also
 * split, so callers must keep untrusted data inside delimiters (see `fenceData`).
 */
export function toMessages(prompt: Pick<RenderedPrompt, 'text'>): ChatMessage[] {
  const out: ChatMessage[] = [];
  let role: ChatRole = 'user';
  let buf: string[] = [];
  const flush = () => {
    const content = buf.join('\n').trim();
    if (content) out.push({ role, content });
    buf = [];
  };
  for (const line of prompt.text.split('\n')) {
    const m = ROLE_MARKER.exec(line);
    if (m) {
      flush();
      role = m[1] as ChatRole;
    } else buf.push(line);
  }
  flush();
  return out;
}

/**
 * Wraps untrusted text (a PRD, a document) in delimiters the text itself cannot close: the tag
 * carries a nonce derived from the content, and any marker lines inside are neutralised.
 * Deterministic, so prompts stay pure functions of their inputs (cache hits, resume).
 */
export function fenceData(label: string, text: string): { open: string; close: string; body: string } {
  const body = text.replace(/^@@(\s*(?:system|user|assistant)\s*)$/gm, '@ @$1');
  let n = 0;
  let tag = label.toUpperCase();
  while (body.includes(`<<<BEGIN ${tag}>>>`) || body.includes(`<<<END ${tag}>>>`))
    tag = `${label.toUpperCase()}_${++n}`;
  return { open: `<<<BEGIN ${tag}>>>`, close: `<<<END ${tag}>>>`, body };
}
