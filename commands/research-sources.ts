import type { Command } from 'commander';
import { z } from 'zod';
import { researchAddUseCase } from '../src/application/research-add.js';
import { researchRemoveUseCase } from '../src/application/research-remove.js';
import { researchSearchUseCase } from '../src/application/research-search.js';
import { researchSessionsUseCase } from '../src/application/research-sessions.js';
import { researchSourcesUseCase } from '../src/application/research-sources.js';
import { formatSearch } from '../src/research/report.js';
import { intFlag, MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { io, printJson } from './shared/output.js';
import { withProject } from './shared/project.js';
import { addLines, sessionLines, sourceLines } from './views/research-text.js';
import { researchProgress } from './views/ResearchProgress.js';

// `research add | search | sources | remove | sessions`: the knowledge base side of `research`.

/** Flags every research subcommand that may call a model takes. */
export const Common = z.object({
  json: z.boolean().default(false),
  offline: z.boolean().default(false),
  mode: modeFlag,
});
const say = (lines: string[]) => lines.forEach((l) => io.out(l));

async function add(paths: string[], raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Common.extend({ note: z.string().min(1).optional() }), raw, 'research add');
  const what = o.note !== undefined ? { note: { title: o.note, content: paths.join(' ') } } : { paths };
  await withProject(o, async (project) => {
    const bar = await researchProgress(o.json);
    const r = await withInterrupt((signal) =>
      researchAddUseCase(
        project,
        { ...what, offline: o.offline, cwd: process.cwd() },
        { signal, onProgress: bar.onProgress },
      ),
    ).finally(() => bar.stop());
    o.json ? printJson(r) : say(addLines(r));
  });
}

async function search(words: string[], raw: Record<string, unknown>): Promise<void> {
  const Search = Common.extend({ source: z.string().min(1).optional(), limit: intFlag(1, 100).optional() });
  const o = parseFlags(Search, raw, 'research search');
  await withProject(o, async (project) => {
    const s = await withInterrupt((signal) =>
      researchSearchUseCase(
        project,
        { query: words.join(' '), k: o.limit, source: o.source, offline: o.offline },
        { signal },
      ),
    );
    o.json ? printJson(s) : io.out(formatSearch(s));
  });
}

/** Registers the knowledge base subcommands under `research`. */
export function registerKnowledgeBase(r: Command): void {
  r.command('add')
    .description('add files, directories (recursive, honouring .gitignore) or globs; --note adds a hand-written note')
    .argument('[paths...]', 'paths or globs (with --note: the note text)')
    .option('--note <title>', 'add the arguments as a note with this title')
    .option('--json', 'print JSON')
    .option('--offline', 'use the offline embedder')
    .option('--mode <mode>', MODE_HELP)
    .action((paths: string[], opts: Record<string, unknown>) => add(paths, opts));
  r.command('search')
    .description('hybrid search (vectors + BM25) of the knowledge base')
    .argument('<query...>')
    .option('--json', 'print JSON')
    .option('--source <source>', 'only this source')
    .option('-k, --limit <n>', 'passages to show')
    .option('--offline', 'use the offline embedder')
    .option('--mode <mode>', MODE_HELP)
    .action((q: string[], opts: Record<string, unknown>) => search(q, opts));
  r.command('sources')
    .description('list the knowledge base sources')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withProject({}, async (p) => {
        const rows = researchSourcesUseCase(p);
        opts.json ? printJson(rows) : say(sourceLines(rows));
      }),
    );
  r.command('remove')
    .description('remove a source (or a directory of sources)')
    .argument('<source>')
    .option('--json', 'print JSON')
    .action((source: string, opts: { json?: boolean }) =>
      withProject({}, async (p) => {
        const { removed } = researchRemoveUseCase(p, { source });
        opts.json ? printJson({ removed }) : io.out(`removed ${removed.join(', ')}`);
      }),
    );
  r.command('sessions')
    .description('list research loop sessions')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withProject({}, async (p) => {
        const rows = researchSessionsUseCase(p);
        opts.json ? printJson(rows) : say(sessionLines(rows));
      }),
    );
}
