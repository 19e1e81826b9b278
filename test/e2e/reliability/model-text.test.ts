import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { makeRng } from '../../support/fake/rng.js';
import { schemaInstance } from '../../support/fake/schema-instance.js';

/**
 * Issue 16 item 9: a model that leaks its chat template (`<|im_start|>assistant`, `<|eot_id|>`, `[INST]`)
 * into its answer and into the strings inside it: nothing of the template reaches tasks.json or a saved answer.
 */

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write and tag notes.\n';
const TEMPLATE = /<\||\|>|\[\/?INST\]|im_start|im_end|eot_id/;

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
  let n = 0;
  fake.script((c) => {
    const dirty = (s: string) => `<|im_start|>assistant\n${s}<|eot_id|>`;
    if (!c.schema) return { content: dirty('Notes are tagged by their authors [1].') };
    const value = schemaInstance(c.schema, makeRng(++n), ['notes', 'accounts', 'email', 'tags', `v${n}`]);
    // every string of the answer carries template tokens, and so does the whole answer
    const leaked = JSON.stringify(value, (_k, v) => (typeof v === 'string' ? `[INST]${dirty(v)}` : v));
    return { content: dirty(leaked) };
  });
});
afterAll(() => fake.close());

describe('model-written text is cleaned of chat-template tokens before it is stored or written', () => {
  it('parse-prd: tasks.json holds no template token, in titles, descriptions, details or subtasks', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const r = await runCli(['parse-prd', '--require-model', '--num-tasks', '2', '--max-depth', '2', '--no-cache'], {
      cwd,
      env: { OLLAMA_HOST: fake.url },
    });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(cwd, '.taskmaster', 'tasks', 'tasks.json'), 'utf8');
    const tasks = JSON.parse(text).master.tasks as { title: string; subtasks: unknown[] }[];
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => t.title.trim().length > 0)).toBe(true);
    expect(text).not.toMatch(TEMPLATE);
  }, 60_000);

  it('research --save-file: the saved answer holds no template token', async () => {
    const cwd = tempProject({ 'docs/notes.md': '# Notes\n\nNotes are tagged by their authors.\n' });
    const env = { OLLAMA_HOST: fake.url };
    expect((await runCli(['research', 'add', 'docs', '--offline'], { cwd, env })).code).toBe(0);
    const r = await runCli(['research', 'how are notes tagged?', '--offline', '--save-file', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { answer: string; saved_file: string };
    expect(out.answer).toMatch(/tagged/);
    expect(out.answer).not.toMatch(TEMPLATE);
    expect(readFileSync(out.saved_file, 'utf8')).not.toMatch(TEMPLATE);
  }, 60_000);
});
