/**
 * Everything the project learned from its own use, as examples: parse-prd runs with the tasks the
 * team kept, research answers it saved, and hand-written pairs.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { redactProse } from '../config/redact.js';
import { hash } from '../prd/keys.js';
import { estimateTokens } from '../prd/split.js';
import type { FinetuneRepo } from '../storage/finetune-repo.js';
import type { PrdRepo } from '../storage/prd-repo.js';
import type { ResearchRepo } from '../storage/research-repo.js';
import { readTasksFile, type TasksFile } from '../taskmaster/tasks-file.js';
import { prdExamples, type PrdRunData } from './prd-examples.js';
import { parseSavedAnswers, researchExamples, type SavedAnswer } from './research-examples.js';
import type { Example } from './types.js';

export interface HistorySources {
  prd: PrdRepo;
  pairs: FinetuneRepo;
  /** The knowledge base, to read cited passages back; absent = passages without text. */
  research?: ResearchRepo;
  paths: { root: string; tasks: string; research: string };
}

/** What was read, for the manifest. */
export interface HistorySummary {
  prdRuns: number;
  prdRunsWithoutParts: number;
  savedAnswers: number;
  pairs: number;
  tasksFile: string;
}

type Task = Record<string, unknown>;

/**
 * The export redaction applied inside text, to every source string once (PRD parts, tasks.json, saved
 * answers, passages, pairs) before prompts are rendered from them: the templates themselves hold no
 * secrets, and a PRD part shared by fifty examples is scrubbed once, not fifty times.
 */
export class Scrubber {
  redacted = 0;
  text(s: string): string {
    const r = redactProse(s);
    this.redacted += r.redacted;
    return r.text;
  }
  /** Scrubs every string inside a freshly parsed JSON value, in place (no copy of a large tasks.json). */
  inPlace<T>(v: T): T {
    if (typeof v === 'string') return this.text(v) as T;
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = this.inPlace(v[i]);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k in o) o[k] = this.inPlace(o[k]);
    }
    return v;
  }
}

/** PRD parts of a run made before parts were stored: one-part runs whose PRD file is unchanged. */
function fallbackParts(run: PrdRunData, root: string): PrdRunData['parts'] {
  if (run.nodes.some((n) => !n.path.startsWith('c0/'))) return [];
  const path = join(root, run.summary.prdPath);
  const file = existsSync(path) ? path : existsSync(run.summary.prdPath) ? run.summary.prdPath : undefined;
  if (!file) return [];
  const text = readFileSync(file, 'utf8');
  if (hash(text) !== run.summary.prdHash) return [];
  return [{ index: 0, headings: [], text, tokens: estimateTokens(text) }];
}

function savedInTasks(file: TasksFile): SavedAnswer[] {
  const out: SavedAnswer[] = [];
  const visit = (t: Task, parent?: Task) => {
    const ctx = [
      parent ? `Task ${String(parent.id)}: ${String(parent.title ?? '')}` : '',
      `Task: ${String(t.title ?? '')}`,
      String(t.description ?? ''),
    ]
      .filter(Boolean)
      .join('\n');
    if (typeof t.details === 'string') out.push(...parseSavedAnswers(t.details, ctx));
    if (Array.isArray(t.subtasks)) for (const s of t.subtasks as Task[]) visit(s, t);
  };
  for (const tag of Object.values(file)) for (const t of tag.tasks) visit(t);
  return out;
}

function savedFiles(dir: string, scrub: Scrubber): SavedAnswer[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .flatMap((f) => parseSavedAnswers(scrub.text(readFileSync(join(dir, f), 'utf8'))));
}

/** Reads a cited passage back from the knowledge base: the chunk of that source with those lines. */
function passageReader(repo: ResearchRepo | undefined, scrub: Scrubber) {
  const bySource = new Map<string, Map<string, string>>();
  return (source: string, lines: string): string | undefined => {
    if (!repo) return undefined;
    let m = bySource.get(source);
    if (!m) {
      m = new Map();
      const s = repo.getSource(source);
      if (s)
        for (const c of repo.chunks(repo.chunkIdsOfSources([s.id])))
          m.set(`${c.start_line}-${c.end_line}`, scrub.text(c.text));
      bySource.set(source, m);
    }
    return m.get(lines);
  };
}

/** All examples of the project's history, newest parse-prd runs first. */
export function collectExamples(src: HistorySources): {
  examples: Example[];
  summary: HistorySummary;
  secretsRedacted: number;
} {
  const scrub = new Scrubber();
  const file = scrub.inPlace(readTasksFile(src.paths.tasks));
  const runs: PrdRunData[] = [];
  let withoutParts = 0;
  for (const summary of src.prd.writtenRuns()) {
    const run: PrdRunData = { summary, nodes: src.prd.nodeLinks(summary.runId), parts: src.prd.parts(summary.runId) };
    if (!run.parts.length) run.parts = fallbackParts(run, src.paths.root);
    if (!run.parts.length) withoutParts++;
    run.parts = run.parts.map((p) => ({ ...p, text: scrub.text(p.text) }));
    runs.push(run);
  }
  const examples = prdExamples(runs, (tag) => file[tag]?.tasks ?? []);
  const saved = [...savedInTasks(file), ...savedFiles(src.paths.research, scrub)];
  examples.push(...researchExamples(saved, passageReader(src.research, scrub)));
  const pairs = src.pairs.pairs();
  for (const p of pairs)
    examples.push({
      source: 'manual',
      messages: [
        { role: 'user', content: scrub.text(p.input) },
        { role: 'assistant', content: scrub.text(p.output) },
      ],
      weight: 1,
    });
  return {
    examples,
    secretsRedacted: scrub.redacted,
    summary: {
      prdRuns: runs.length,
      prdRunsWithoutParts: withoutParts,
      savedAnswers: saved.length,
      pairs: pairs.length,
      tasksFile: src.paths.tasks,
    },
  };
}
