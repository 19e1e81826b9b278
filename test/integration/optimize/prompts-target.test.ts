import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { optimizeResumeUseCase } from '../../../src/application/optimize-resume.js';
import { optimizeRunUseCase } from '../../../src/application/optimize-run.js';
import { openProject } from '../../../src/application/project.js';
import { listProjectPrompts, loadPrompt } from '../../../src/prompting/index.js';
import { OptimizeRepo } from '../../../src/storage/optimize-repo.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { keptAnswers, plantedScript, promptHistory, wordingPhrase } from '../../support/prompt-history.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ answers: { arrayItems: { tasks: 4, subtasks: 3 } } });
});
afterAll(async () => {
  await server.close();
});

describe('optimize --target prompts', () => {
  it('finds the planted wording on the scripted server and --apply writes it as parse-prd@v3+project', async () => {
    const { root, env, p } = await promptHistory(server.url);
    const split = { train: 40, valid: 60, test: 0 };
    // The server gives back what the team kept only when asked with one planted wording.
    const planted = 4;
    const phrase = wordingPhrase('parse-prd', planted);
    server.script(plantedScript(keptAnswers(p, split), phrase));
    try {
      // No model reachable: exit 4 before a run is stored.
      const down = openProject({ cwd: root, env: { ...env, OLLAMA_HOST: 'http://127.0.0.1:9' }, backoffMs: 1 });
      await expect(optimizeRunUseCase(down, { target: 'prompts', split })).rejects.toMatchObject({
        code: 'NO_MODEL_AVAILABLE',
        exitCode: 4,
      });
      expect(new OptimizeRepo(down.db()).listRuns()).toEqual([]);
      down.close();
      // Stopped at its first evaluation: ABORTED (exit 130), the run kept as interrupted.
      const ctl = new AbortController();
      await expect(
        optimizeRunUseCase(
          p,
          { target: 'prompts', split, seed: 3 },
          { signal: ctl.signal, onProgress: (e) => e.type === 'evaluation' && ctl.abort() },
        ),
      ).rejects.toMatchObject({ code: 'ABORTED', exitCode: 130 });
      expect(new OptimizeRepo(p.db()).listRuns().map((x) => [x.target, x.status, x.error])).toEqual([
        ['prompts', 'failed', 'interrupted'],
      ]);

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
