import { readFileSync, writeFileSync } from 'node:fs';
import { finetuneExportUseCase } from '../../src/application/finetune-export.js';
import { openProject, type Project } from '../../src/application/project.js';
import type { SplitSpec } from '../../src/finetune/types.js';
import { tuningSet } from '../../src/prompting/index.js';
import { tempProject } from './cli.js';
import { parsePrdIn, prdOptions } from './prd-run.js';

export const SUBJECTS = [
  'Bookmarks service',
  'Invoice mailer',
  'Recipe planner',
  'Parking tracker',
  'Chess club ladder',
];
const prd = (s: string) =>
  `# ${s}\n\n## Overview\nA small service: ${s.toLowerCase()}.\n\n## Features\n### Accounts\nSign-up and login.\n\n### Core\nThe main ${s.toLowerCase()} screens and their storage.\n`;

/** A project with one parse-prd run per subject (each in its own tag) against the fake server at `url`, every task then rewritten by the team. */
export async function promptHistory(url: string): Promise<{ root: string; env: Record<string, string>; p: Project }> {
  const root = tempProject();
  const env = {
    HOME: root,
    OLLAMA_HOST: url,
    LM_STUDIO_HOST: 'http://127.0.0.1:9',
    LOCAL_AI_HOST: 'http://127.0.0.1:9',
  };
  const p = openProject({ cwd: root, env, backoffMs: 1 });
  for (const [i, s] of SUBJECTS.entries()) {
    await parsePrdIn(p, {
      prd: prd(s),
      prdPath: `prd-${i}.md`,
      tag: `t${i}`,
      options: prdOptions({ complexityThreshold: 10 }),
    });
  }
  // The team rewrote every task: what it kept is not what the model first answered.
  const file = JSON.parse(readFileSync(p.paths.tasks, 'utf8'));
  for (const [i, s] of SUBJECTS.entries())
    for (const [j, t] of (file[`t${i}`].tasks as Record<string, string>[]).entries()) {
      t.title = `${s}: milestone ${j + 1}`;
      t.details = `Build step ${j + 1} of the ${s.toLowerCase()} with its tests.`;
    }
  writeFileSync(p.paths.tasks, JSON.stringify(file));
  return { root, env, p };
}

/**
 * What a scripted server answers when it "prefers" one wording: the request's PRD subject mapped to
 * the answer the team kept (from the project's dataset), for requests carrying `phrase`.
 */
export function keptAnswers(p: Project, split: SplitSpec): Map<string, string> {
  const ds = finetuneExportUseCase(p, { dryRun: true, split, seed: 42 }).dataset;
  const kept = new Map<string, string>();
  for (const ex of [...ds.examples.train, ...ds.examples.valid, ...ds.examples.test])
    if (ex.source === 'prd') kept.set(/# (.+)/.exec(ex.messages[1]!.content)![1]!, ex.messages.at(-1)!.content);
  return kept;
}

/** The distinctive opening of wording `n` (1-based) of a prompt's tuning set. */
export function wordingPhrase(prompt: string, n: number): string {
  return tuningSet(prompt)!.wordings[n - 1]!.split('{{countRule}}')[0]!.replace('{{scope}}', '');
}

/** A script answering with the kept tasks when the request carries `phrase`, else leaving the fake server's own answer. */
export function plantedScript(kept: Map<string, string>, phrase: string) {
  return (ctx: { messages: { content: string }[] }) => {
    const user = ctx.messages.at(-1)!.content;
    if (!user.includes(phrase)) return undefined;
    const subject = /# (.+)/.exec(user)?.[1];
    return subject && kept.has(subject) ? { content: kept.get(subject)! } : undefined;
  };
}
