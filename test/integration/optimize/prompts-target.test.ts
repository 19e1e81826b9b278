import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finetuneExportUseCase } from '../../../src/application/finetune-export.js';
import { optimizeResumeUseCase } from '../../../src/application/optimize-resume.js';
import { optimizeRunUseCase } from '../../../src/application/optimize-run.js';
import { openProject, type Project } from '../../../src/application/project.js';
import { parsePrd } from '../../../src/prd/run.js';
import { listProjectPrompts, loadPrompt, tuningSet } from '../../../src/prompting/index.js';
import { PrdRepo } from '../../../src/storage/prd-repo.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { opts } from '../prd/helpers.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ answers: { arrayItems: { tasks: 4, subtasks: 3 } } });
});
afterAll(async () => {
  await server.close();
});

const SUBJECTS = ['Bookmarks service', 'Invoice mailer', 'Recipe planner', 'Parking tracker', 'Chess club ladder'];
const prd = (s: string) =>
  `# ${s}\n\n## Overview\nA small service: ${s.toLowerCase()}.\n\n## Features\n### Accounts\nSign-up and login.\n\n### Core\nThe main ${s.toLowerCase()} screens and their storage.\n`;

/** A project with one parse-prd run per subject, each in its own tag. */
async function history(): Promise<{ root: string; env: Record<string, string>; p: Project }> {
  const root = tempProject();
  const env = {
    HOME: root,
    OLLAMA_HOST: server.url,
    LM_STUDIO_HOST: 'http://127.0.0.1:9',
    LOCAL_AI_HOST: 'http://127.0.0.1:9',
  };
  const p = openProject({ cwd: root, env, backoffMs: 1 });
  for (const [i, s] of SUBJECTS.entries()) {
    await parsePrd(
      {
        prd: prd(s),
        prdPath: `prd-${i}.md`,
        tasksPath: p.paths.tasks,
        tag: `t${i}`,
        mode: 'create',
        dryRun: false,
        options: opts({ complexityThreshold: 10 }),
      },
      { api: p.api(), repo: new PrdRepo(p.db()) },
    );
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

describe('optimize --target prompts', () => {
  it('finds the planted wording on the scripted server and --apply writes it as parse-prd@v3+project', async () => {
    const { root, env, p } = await history();
    const split = { train: 40, valid: 60, test: 0 };
    const ds = finetuneExportUseCase(p, { dryRun: true, split, seed: 42 }).dataset;
    const kept = new Map<string, string>();
    for (const ex of [...ds.examples.train, ...ds.examples.valid])
      if (ex.source === 'prd') kept.set(/# (.+)/.exec(ex.messages[1]!.content)![1]!, ex.messages.at(-1)!.content);
    // The server gives back what the team kept only when asked with one planted wording.
    const planted = 4;
    const phrase = tuningSet('parse-prd')!.wordings[planted - 1]!.split('{{countRule}}')[0]!.replace('{{scope}}', '');
    server.script((ctx) => {
      const user = ctx.messages.at(-1)!.content;
      if (!user.includes(phrase)) return undefined;
      const subject = /# (.+)/.exec(user)?.[1];
      return subject && kept.has(subject) ? { content: kept.get(subject)! } : undefined;
    });
    try {
      const r = await optimizeRunUseCase(p, { target: 'prompts', split, seed: 3 });
      expect(r.prompt).toMatchObject({ prompt: 'parse-prd', current: { id: 'parse-prd@v2' } });
      expect(r.prompt!.validExamples).toBeGreaterThanOrEqual(1);
      expect(r.report.best_individual!.genome.wording).toBe(planted);
      expect(r.report.best_individual!.fitness).toBeGreaterThan(r.prompt!.current.fitness! + 0.1);
      expect(r.prompt!.winner!.template).toContain(phrase);
      expect(r.applied).toBeUndefined();
      expect(existsSync(join(root, '.taskmaster/prompts'))).toBe(false);

      // A repeated variant costs no call: the same run again is served from the answer cache.
      const calls = server.counts()['/api/chat'] ?? 0;
      const again = await optimizeRunUseCase(p, { target: 'prompts', split, seed: 3 });
      expect(again.report.best_individual).toEqual(r.report.best_individual);
      expect(server.counts()['/api/chat'] ?? 0).toBe(calls);

      const a = await optimizeResumeUseCase(p, { runId: r.report.run_id, apply: true });
      const path = join(root, '.taskmaster/prompts/parse-prd/v3.md');
      expect(a.applied).toMatchObject({ id: 'parse-prd@v3+project', replaces: 'parse-prd@v2', path });
      expect(readFileSync(path, 'utf8')).toBe(r.prompt!.winner!.template);
      const record = JSON.parse(readFileSync(String(a.applied!.backupPath), 'utf8'));
      expect(record).toMatchObject({
        run_id: r.report.run_id,
        replaced: 'parse-prd@v2',
        written: 'parse-prd@v3+project',
      });
      expect(readdirSync(join(root, '.taskmaster/backups'))).toHaveLength(1);
    } finally {
      server.script(undefined);
      p.close();
    }
    // In a fresh process state, the project prompt overrides the packaged one.
    const q = openProject({ cwd: root, env, backoffMs: 1 });
    expect(listProjectPrompts().map((x) => [x.id, x.error])).toEqual([['parse-prd@v3+project', undefined]]);
    expect(loadPrompt('parse-prd', { scope: '', countRule: 'about 3 tasks.' }, { version: 2 }).id).toBe(
      'parse-prd@v3+project',
    );
    q.close();
  }, 30_000);
});
