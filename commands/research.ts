import type { Command } from 'commander';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import { openProject, type Project } from '../src/application/project.js';
import { openResearch } from '../src/application/open-research.js';
import {
  answerJson,
  answerMarkdown,
  formatAnswer,
  formatLoop,
  formatSearch,
  saveResearchFile,
} from '../src/research/report.js';
import { appendToTaskDetails, parseTaskIds, taskContext } from '../src/research/tasks.js';
import { io, printJson } from './shared/output.js';
import { researchProgress } from './views/ResearchProgress.js';
import { recordResearchRunSafely } from '../src/application/learning.js';

const int = z.coerce.number().int();
const Common = z.object({ json: z.boolean().optional(), offline: z.boolean().optional() });
const AskOptions = Common.extend({
  context: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
  saveTo: z.string().min(1).optional(),
  saveFile: z.boolean().optional(),
  loop: int.min(1).max(50).optional(),
  resume: z.string().min(1).optional(),
  limit: int.min(1).max(50).optional(),
  source: z.string().min(1).optional(),
  selfCheck: z.boolean().optional(),
});

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  const flag = String(i.path[0] ?? '?').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  throw new ValidationError(`--${flag}: ${i.message}`, { hint: 'see `task-master-local research --help`' });
}

async function withResearch<T>(
  o: { offline?: boolean; json?: boolean },
  fn: (p: Project, rag: ReturnType<typeof openResearch>) => Promise<T>,
) {
  const project = openProject({ cwd: process.cwd(), env: process.env, runId: crypto.randomUUID() });
  const bar = await researchProgress(o.json);
  try {
    return await fn(project, openResearch(project, { offline: o.offline, onProgress: bar.onProgress }));
  } finally {
    bar.stop();
    project.close();
  }
}

async function ask(words: string[], raw: Record<string, unknown>): Promise<void> {
  const o = parse(AskOptions, raw);
  const question = words.join(' ').trim();
  if (!question && !o.resume)
    throw new ValidationError('no question given', {
      hint: 'research "<question>"  (or: research add <dir>, research search "<q>")',
    });
  if (o.resume && (o.saveTo || o.saveFile))
    throw new ValidationError('--save-to/--save-file apply to single questions, not loops', {
      hint: 'drop them with --loop/--resume',
    });
  await withResearch(o, async (project, rag) => {
    const extra = [o.context, o.id ? taskContext(project.paths, parseTaskIds(o.id)) : undefined]
      .filter(Boolean)
      .join('\n\n');
    if (o.loop !== undefined || o.resume) {
      const r = await rag.autonomousResearchLoop(question, {
        iterations: o.loop,
        resume: o.resume,
        context: extra || undefined,
      });
      return o.json ? printJson(r) : io.out(formatLoop(r));
    }
    const a = await rag.researchQuery(question, {
      k: o.limit,
      source: o.source,
      context: extra || undefined,
      selfCheck: o.selfCheck,
    });
    const note = await recordResearchRunSafely(project, a, {
      k: o.limit ?? 6,
      selfCheck: !!o.selfCheck,
      offline: !!o.offline,
    });
    if (note) io.err(`note: ${note}`);
    const now = new Date();
    const savedFile = o.saveFile ? saveResearchFile(project.paths.research, a, now) : undefined;
    if (o.saveTo) appendToTaskDetails(project.paths, o.saveTo, answerMarkdown(a, now).replace(/^# /, '## '));
    if (o.json) return printJson({ ...answerJson(a), saved_file: savedFile, saved_to: o.saveTo });
    io.out(formatAnswer(a));
    if (savedFile) io.out(`saved: ${savedFile}`);
    if (o.saveTo) io.out(`appended to the details of task ${o.saveTo}`);
  });
}

async function add(paths: string[], raw: Record<string, unknown>): Promise<void> {
  const o = parse(Common.extend({ note: z.string().min(1).optional() }), raw);
  await withResearch(o, async (_p, rag) => {
    const r =
      o.note !== undefined
        ? await rag.addExternalKnowledge({ title: o.note, content: paths.join(' ') })
        : await rag.addSources(paths, { cwd: process.cwd() });
    if (!r.added.length && !r.updated.length && !r.unchanged.length && r.skipped.length) {
      throw new ValidationError(`nothing added: ${r.skipped.map((x) => `${x.path} (${x.reason})`).join(', ')}`, {
        hint: 'give text files, directories or globs inside the project',
      });
    }
    if (o.json) return printJson(r);
    io.out(
      `added ${r.added.length}, updated ${r.updated.length}, unchanged ${r.unchanged.length}, skipped ${r.skipped.length}: ${r.chunks} new chunks, ${r.embedCalls} embed calls`,
    );
    if (r.embedder)
      io.out(
        `embedder: ${r.embedder.model}${r.embedder.offline ? ` (offline embedder${r.embedder.reason ? `: ${r.embedder.reason}` : ''})` : ''}`,
      );
    for (const s of r.skipped) io.out(`skipped ${s.path}: ${s.reason}`);
    for (const n of r.notes) io.out(`note: ${n}`);
  });
}

async function search(words: string[], raw: Record<string, unknown>): Promise<void> {
  const o = parse(Common.extend({ source: z.string().min(1).optional(), limit: int.min(1).max(100).optional() }), raw);
  await withResearch(o, async (_p, rag) => {
    const s = await rag.search(words.join(' '), { k: o.limit, source: o.source });
    o.json ? printJson(s) : io.out(formatSearch(s));
  });
}

async function sources(raw: Record<string, unknown>): Promise<void> {
  const o = parse(Common, raw);
  await withResearch(o, async (_p, rag) => {
    const rows = rag.sources();
    if (o.json) return printJson(rows);
    if (!rows.length) return io.out('the knowledge base is empty (add documents with `research add <dir>`)');
    for (const r of rows) io.out(`${r.source}  ${r.chunk_count} chunks  ${r.bytes} bytes  updated ${r.updated_at}`);
  });
}

async function remove(source: string, raw: Record<string, unknown>): Promise<void> {
  const o = parse(Common, raw);
  await withResearch(o, async (_p, rag) => {
    const removed = rag.removeSource(source);
    o.json ? printJson({ removed }) : io.out(`removed ${removed.join(', ')}`);
  });
}

async function sessions(raw: Record<string, unknown>): Promise<void> {
  const o = parse(Common, raw);
  await withResearch(o, async (_p, rag) => {
    const rows = rag.deps.sessions.list().map(({ state: _s, ...r }) => r);
    if (o.json) return printJson(rows);
    if (!rows.length) return io.out('no research sessions yet (start one with `research "<topic>" --loop 3`)');
    for (const r of rows)
      io.out(
        `${r.id}  ${r.status}  ${r.iterations_done}/${r.max_iterations} iterations  confidence ${r.confidence?.toFixed(2) ?? '-'}  ${r.topic}`,
      );
  });
}

/** `research`: the knowledge base, hybrid search, cited answers and research loops. */
export function register(program: Command): void {
  const r = program
    .command('research')
    .description('ask the local knowledge base: cited answers with a confidence, or an autonomous research loop')
    .argument('[question...]', 'the question (or topic with --loop)')
    .option('--json', 'print JSON')
    .option('--context <text>', 'extra context for the answer')
    .option('-i, --id <ids>', 'add these tasks (e.g. 3,4.1) as context')
    .option('--save-to <id>', "append the answer to this task's details in tasks.json")
    .option('--save-file', 'save to .taskmaster/docs/research/YYYY-MM-DD_<slug>.md')
    .option('--loop <n>', 'run an autonomous research loop of up to n iterations')
    .option('--resume <session>', 'resume a research loop session')
    .option('-k, --limit <n>', 'passages to retrieve')
    .option('--source <source>', 'only search this source (file, directory or note:<title>)')
    .option('--no-self-check', 'skip the self-check call (confidence then uses retrieval and citations only)')
    .option('--offline', 'use the offline embedder, never an embedding model')
    .action((words: string[], opts: Record<string, unknown>) => ask(words, opts));
  r.command('add')
    .description('add files, directories (recursive, honouring .gitignore) or globs; --note adds a hand-written note')
    .argument('[paths...]', 'paths or globs (with --note: the note text)')
    .option('--note <title>', 'add the arguments as a note with this title')
    .option('--json', 'print JSON')
    .option('--offline', 'use the offline embedder')
    .action((paths: string[], opts: Record<string, unknown>) => add(paths, opts));
  r.command('search')
    .description('hybrid search (vectors + BM25) of the knowledge base')
    .argument('<query...>')
    .option('--json', 'print JSON')
    .option('--source <source>', 'only this source')
    .option('-k, --limit <n>', 'passages to show')
    .option('--offline', 'use the offline embedder')
    .action((q: string[], opts: Record<string, unknown>) => search(q, opts));
  r.command('sources')
    .description('list the knowledge base sources')
    .option('--json', 'print JSON')
    .action((opts: Record<string, unknown>) => sources(opts));
  r.command('remove')
    .description('remove a source (or a directory of sources)')
    .argument('<source>')
    .option('--json', 'print JSON')
    .action((s: string, opts: Record<string, unknown>) => remove(s, opts));
  r.command('sessions')
    .description('list research loop sessions')
    .option('--json', 'print JSON')
    .action((opts: Record<string, unknown>) => sessions(opts));
}
