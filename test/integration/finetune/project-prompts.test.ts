import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finetunePromptsUseCase } from '../../../src/application/finetune-prompts.js';
import { parsePrdUseCase } from '../../../src/application/parse-prd.js';
import { openProject } from '../../../src/application/project.js';
import { applyProjectPrompts, loadPrompt } from '../../../src/prompting/index.js';
import { LearningRepo } from '../../../src/storage/learning-repo.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { tempProject } from '../../support/cli.js';
import { PRD } from '../prd/helpers.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => {
  await server.close();
  applyProjectPrompts(undefined);
});

const env = () => ({
  OLLAMA_HOST: server.url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
});
const WORDING = 'Split the PRD above into shippable milestones of work';

function projectWith(prompt: string) {
  const root = tempProject({ '.taskmaster/docs/prd.txt': PRD });
  mkdirSync(join(root, '.taskmaster/prompts/parse-prd'), { recursive: true });
  writeFileSync(join(root, '.taskmaster/prompts/parse-prd/v3.md'), prompt);
  return root;
}

describe('per-project prompts', () => {
  it('a valid .taskmaster/prompts/parse-prd/v3.md replaces the packaged prompt, recorded as parse-prd@v3+project', async () => {
    const root = projectWith(`{{scope}}${WORDING}: {{countRule}}\nReturn {"tasks": [...]}.\n`);
    const p = openProject({ cwd: root, env: env(), backoffMs: 1 });
    const listed = finetunePromptsUseCase(p).prompts.find((x) => x.name === 'parse-prd')!;
    expect(listed).toMatchObject({ inEffect: 'parse-prd@v3+project', source: 'project', packaged: 'parse-prd@v2' });
    expect(finetunePromptsUseCase(p).prompts.find((x) => x.name === 'expand-task')!.inEffect).toBe('expand-task@v2');
    server.reset();
    const r = await parsePrdUseCase(p, { maxDepth: 1 });
    expect(r.summary.promptIds).toEqual(['parse-prd@v3+project']);
    expect(server.requests.some((q) => String(JSON.stringify(q.body)).includes(WORDING))).toBe(true);
    const rows = p.db().prepare('SELECT DISTINCT prompt_id FROM metrics WHERE prompt_id IS NOT NULL').all() as {
      prompt_id: string;
    }[];
    expect(rows.map((x) => x.prompt_id)).toContain('parse-prd@v3+project');
    const [exp] = new LearningRepo(p.db()).list();
    expect(exp!.action.promptIds).toContain('parse-prd@v3+project');
    // Asked for the packaged latest version by number, the override answers too.
    expect(loadPrompt('parse-prd', { scope: '', countRule: '' }, { version: 2 }).id).toBe('parse-prd@v3+project');
    p.close();
  });

  it('a project prompt with a missing or extra variable is never used: one line and a hint, nothing written', async () => {
    const root = projectWith(`${WORDING} for {{audience}}.\nReturn {"tasks": [...]}.\n`);
    const p = openProject({ cwd: root, env: env(), backoffMs: 1 });
    const listed = finetunePromptsUseCase(p).prompts.find((x) => x.name === 'parse-prd')!;
    expect(listed.inEffect).toBe('parse-prd@v2');
    expect(listed.error).toBe(
      'project prompt parse-prd@v3+project: missing {{countRule}}, {{scope}} and unknown {{audience}} (parse-prd@v2 uses {{countRule}}, {{scope}})',
    );
    server.reset();
    const err = (await parsePrdUseCase(p, { maxDepth: 1 }).then(
      () => ({ code: 'none', hint: '' }),
      (e: unknown) => e,
    )) as { code: string; hint: string };
    expect(err).toMatchObject({ code: 'VALIDATION' });
    expect(err.hint).toContain('.taskmaster/prompts/parse-prd/v3.md');
    expect(existsSync(p.paths.tasks)).toBe(false);
    expect(server.requests.filter((q) => q.path.includes('chat')).length).toBe(0);
    p.close();
    expect(readFileSync(join(root, '.taskmaster/prompts/parse-prd/v3.md'), 'utf8')).toContain('{{audience}}');
  });
});
