import type { Command } from 'commander';
import { z } from 'zod';
import { researchAskUseCase } from '../src/application/research-ask.js';
import { researchLoopUseCase } from '../src/application/research-loop.js';
import { ValidationError } from '../src/errors.js';
import { parseFileList } from '../src/research/project-context.js';
import { answerJson, formatAnswer, formatLoop } from '../src/research/report.js';
import { DETAIL_LEVELS } from '../src/research/types.js';
import { intFlag, MODE_HELP, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { io, printJson } from './shared/output.js';
import { withProject } from './shared/project.js';
import { Common, registerKnowledgeBase } from './research-sources.js';
import { researchProgress } from './views/ResearchProgress.js';

const AskOptions = Common.extend({
  context: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
  saveTo: z.string().min(1).optional(),
  save: z.string().min(1).optional(),
  files: z.string().optional(),
  tree: z.boolean().default(false),
  detail: z.enum(DETAIL_LEVELS).default('medium'),
  saveFile: z.boolean().default(false),
  loop: intFlag(1, 50).optional(),
  resume: z.string().min(1).optional(),
  limit: intFlag(1, 50).optional(),
  source: z.string().min(1).optional(),
  selfCheck: z.boolean().default(true),
});

async function ask(words: string[], raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(AskOptions, raw, 'research');
  const question = words.join(' ').trim();
  const loop = o.loop !== undefined || o.resume !== undefined;
  if (!question && !o.resume)
    throw new ValidationError('no question given', {
      hint: 'research "<question>"  (or: research add <dir>, research search "<q>")',
    });
  if (loop && (o.saveTo || o.save || o.saveFile))
    throw new ValidationError('--save/--save-to/--save-file apply to single questions, not loops', {
      hint: 'drop them with --loop/--resume',
    });
  const context = {
    ...(o.context ? { context: o.context } : {}),
    ...(o.id ? { taskIds: o.id } : {}),
    ...(o.files !== undefined ? { files: parseFileList(o.files) } : {}),
    tree: o.tree,
  };
  // task-master's --save names tasks/subtasks like --save-to; both lists are one destination list.
  const saveTo = [o.saveTo, o.save].filter(Boolean).join(',');
  const save = { ...(saveTo ? { saveTo } : {}), saveFile: o.saveFile };
  await withProject(o, async (project) => {
    if (loop) {
      const bar = await researchProgress(o.json);
      const r = await withInterrupt((signal) =>
        researchLoopUseCase(
          project,
          { topic: question, iterations: o.loop, resume: o.resume, offline: o.offline, ...context },
          { signal, onProgress: bar.onProgress },
        ),
      ).finally(() => bar.stop());
      return o.json ? printJson(r) : io.out(formatLoop(r));
    }
    const r = await withInterrupt((signal) =>
      researchAskUseCase(
        project,
        {
          question,
          k: o.limit,
          source: o.source,
          selfCheck: o.selfCheck,
          offline: o.offline,
          detail: o.detail,
          ...context,
          ...save,
        },
        { signal, onNote: (n) => io.err(`note: ${n}`) },
      ),
    );
    const a = r.answer;
    if (o.json) return printJson({ ...answerJson(a), saved_file: r.savedFile, saved_to: r.savedTo });
    io.out(formatAnswer(a));
    if (r.savedFile) io.out(`saved: ${r.savedFile}`);
    if (r.savedTo) io.out(`appended to the details of task ${r.savedTo.split(',').join(', ')}`);
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
    .option('-f, --files <paths>', 'comma-separated files (from the project root) whose contents join the context')
    .option('-t, --tree', "include the project's file tree in the context")
    .option('-d, --detail <level>', 'answer length: low, medium, high', 'medium')
    .option('-s, --save <ids>', 'append the answer to the details of these tasks/subtasks (e.g. 15,16.2)')
    .option('--save-to <id>', "append the answer to this task's details in tasks.json")
    .option('--save-file', 'save to .taskmaster/docs/research/YYYY-MM-DD_<slug>.md')
    .option('--loop <n>', 'run an autonomous research loop of up to n iterations')
    .option('--resume <session>', 'resume a research loop session')
    .option('-k, --limit <n>', 'passages to retrieve')
    .option('--source <source>', 'only search this source (file, directory or note:<title>)')
    .option('--no-self-check', 'skip the self-check call (confidence then uses retrieval and citations only)')
    .option('--offline', 'use the offline embedder, never an embedding model')
    .option('--mode <mode>', MODE_HELP)
    .action((words: string[], opts: Record<string, unknown>) => ask(words, opts));
  registerKnowledgeBase(r);
}
