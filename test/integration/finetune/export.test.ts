import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finetuneAddUseCase } from '../../../src/application/finetune-add.js';
import { finetuneExportUseCase } from '../../../src/application/finetune-export.js';
import { openProject } from '../../../src/application/project.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { tempProject } from '../../support/cli.js';
import { parsePrdIn, prdOptions } from '../../support/prd-run.js';
import { PRD } from '../prd/helpers.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ answers: { arrayItems: { tasks: 4, subtasks: 3 } } });
});
afterAll(async () => {
  await server.close();
});

const KEY = 'sk-proj-abcdefghijklmnop1234567890';
const env = () => ({
  OLLAMA_HOST: server.url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
});
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A project with one parse-prd run whose tasks.json the team then edited by hand. */
async function editedProject() {
  const root = tempProject({ '.taskmaster/docs/prd.txt': PRD });
  const p = openProject({ cwd: root, env: env(), backoffMs: 1 });
  await parsePrdIn(p, {
    prd: PRD,
    prdPath: '.taskmaster/docs/prd.txt',
    options: prdOptions({ complexityThreshold: 1 }),
  });
  const file = JSON.parse(readFileSync(p.paths.tasks, 'utf8'));
  const tasks = file.master.tasks as Record<string, any>[];
  expect(tasks.length).toBeGreaterThanOrEqual(3);
  const deleted = tasks[1]!.title as string;
  const original = tasks[0]!.title as string;
  tasks[0]!.title = 'Hand-edited: accounts with email login';
  tasks[0]!.details = `Use the auth provider; API key ${KEY} for staging.`;
  tasks[0]!.status = 'done';
  tasks[0]!.subtasks[0].title = 'Hand-edited subtask: sign-up form';
  tasks[0]!.subtasks[1].details = `OPENAI_API_KEY=${KEY}`;
  tasks.splice(1, 1);
  // A research answer saved to task 3 with --save-to.
  tasks[1]!.details +=
    '\n\n## Research: which password hash to use?\n\n*2026-12-01 · model: m · confidence 0.80 (strong)*\n\nUse argon2id with a per-user salt [1].\n\n## Sources\n\n- [1] docs/security.md:1-4\n';
  writeFileSync(p.paths.tasks, JSON.stringify(file, null, 2));
  return { root, p, deleted, original, kept: tasks.length };
}

describe('finetune export', () => {
  it('exports what the team kept: edits win, deleted tasks are absent, done work weighs more, keys are scrubbed', async () => {
    const { root, p, deleted, original, kept } = await editedProject();
    writeFileSync(join(root, 'in.txt'), 'Summarise task 1 in one line.');
    writeFileSync(join(root, 'out.txt'), 'Accounts with email login.');
    expect(finetuneAddUseCase(p, { inputFile: join(root, 'in.txt'), outputFile: join(root, 'out.txt') }).added).toBe(
      true,
    );
    expect(finetuneAddUseCase(p, { inputFile: join(root, 'in.txt'), outputFile: join(root, 'out.txt') }).added).toBe(
      false,
    );

    const r = finetuneExportUseCase(p, { split: { train: 60, valid: 20, test: 20 }, seed: 7 });
    expect(r.dir).toBe(join(root, '.taskmaster/finetune', r.id));
    const all = ['train', 'valid', 'test'].flatMap((n) => lines(join(r.dir, `${n}.jsonl`)));
    const text = JSON.stringify(all);
    expect(text).toContain('Hand-edited: accounts with email login');
    expect(text).toContain('Hand-edited subtask: sign-up form');
    expect(text).not.toContain(original);
    expect(text).not.toContain(deleted);
    expect(text).not.toContain(KEY);
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('argon2id');
    expect(r.counts.secretsRedacted).toBeGreaterThanOrEqual(2);
    expect(r.counts.bySource.prd).toBe(1);
    expect(r.counts.bySource.expand).toBeGreaterThanOrEqual(2);
    expect(r.counts.bySource.research).toBe(1);
    expect(r.counts.bySource.manual).toBe(1);
    // The task that reached done: its expand example appears twice in train when it landed there.
    expect(r.counts.examples).toBe(r.counts.train + r.counts.valid + r.counts.test);
    const trainLines = readFileSync(join(r.dir, 'train.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(trainLines.length).toBe(r.counts.train + r.counts.weightedCopies);
    // The examples are the real prompts: the chat answer is the schema the model is asked for.
    const prdEx = all.find((l) => JSON.stringify(l).includes('"tasks')) as {
      messages: { role: string; content: string }[];
    };
    expect(prdEx.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(JSON.parse(prdEx.messages[2]!.content).tasks.length).toBe(kept);
    expect(r.prompts).toEqual(expect.arrayContaining(['parse-prd@v2', 'expand-task@v2', 'research-answer@v1']));
    const manifest = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: r.id, contentHash: r.contentHash, counts: r.counts, seed: 7 });
    expect(manifest.sources.prdRuns).toBe(1);

    // Deterministic: the same history and seed give the same dataset; another seed another split.
    const again = finetuneExportUseCase(p, { split: { train: 60, valid: 20, test: 20 }, seed: 7, dryRun: true });
    expect(again.contentHash).toBe(r.contentHash);
    const other = finetuneExportUseCase(p, { split: { train: 60, valid: 20, test: 20 }, seed: 8, dryRun: true });
    expect(other.counts.examples).toBe(r.counts.examples);
    p.close();
  });

  it('writes each format a trainer reads, under --out', async () => {
    const { root, p } = await editedProject();
    for (const format of ['chat', 'sharegpt', 'alpaca', 'completion'] as const) {
      const r = finetuneExportUseCase(p, { format, out: `ds-${format}`, split: { train: 100, valid: 0, test: 0 } });
      expect(r.dir).toBe(join(root, `ds-${format}`));
      const l = lines(join(r.dir, 'train.jsonl'))[0]!;
      const keys = {
        chat: ['messages'],
        sharegpt: ['conversations'],
        alpaca: ['instruction', 'input', 'output'],
        completion: ['prompt', 'completion'],
      }[format];
      expect(Object.keys(l)).toEqual(keys);
      expect(readFileSync(join(r.dir, 'valid.jsonl'), 'utf8')).toBe('');
    }
    p.close();
  });

  it('an empty history says what to run first and writes nothing', () => {
    const root = tempProject();
    mkdirSync(join(root, '.taskmaster/tasks'), { recursive: true });
    const p = openProject({ cwd: root, env: env() });
    expect(() => finetuneExportUseCase(p)).toThrow(/nothing to export yet/);
    expect(existsSync(join(root, '.taskmaster/finetune'))).toBe(false);
    p.close();
  });
});
