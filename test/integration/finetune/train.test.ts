import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finetuneAddUseCase } from '../../../src/application/finetune-add.js';
import { finetuneTrainUseCase } from '../../../src/application/finetune-train.js';
import { openProject } from '../../../src/application/project.js';
import { LlamaCppProvider } from '../../../src/models/providers/llama-cpp.js';
import { REPO_ROOT, tempProject } from '../../support/cli.js';
import { ensureLlamaCppForTests, makeTinyGguf, makeTinyLoraGguf } from '../../support/make-tiny-gguf.js';

const FAKE = join(REPO_ROOT, 'test/support/fake-trainer.mjs');
beforeAll(() => {
  ensureLlamaCppForTests();
});
afterAll(async () => {
  await LlamaCppProvider.disposeAll();
});

function project() {
  const root = tempProject({
    'models/tiny.gguf': makeTinyGguf({ quoteBias: 2 }),
    'prepared/adapter.gguf': makeTinyLoraGguf(),
    'in.txt': 'Plan CI.',
    'out.txt': '{"title": "Set up CI", "complexity": 3}',
  });
  process.env.FAKE_TRAINER_ADAPTER = join(root, 'prepared/adapter.gguf');
  const p = openProject({ cwd: root, env: { HOME: root, OLLAMA_HOST: 'http://127.0.0.1:9' }, backoffMs: 1 });
  finetuneAddUseCase(p, { inputFile: join(root, 'in.txt'), outputFile: join(root, 'out.txt') });
  return { root, p };
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => new Error('no error') as Error & { hint?: string },
    (e: unknown) => e as Error & { hint?: string },
  );
const configOf = (root: string) =>
  existsSync(join(root, '.taskmaster/config.json'))
    ? JSON.parse(readFileSync(join(root, '.taskmaster/config.json'), 'utf8'))
    : {};

describe('finetune train', () => {
  it('runs the trainer on the exported dataset, streams its log and registers the adapter it wrote', async () => {
    const { root, p } = project();
    const lines: string[] = [];
    const r = await finetuneTrainUseCase(
      p,
      { trainer: `node ${FAKE} {dataset} {output}`, base: 'models/tiny.gguf', alias: 'tiny-trained' },
      { onNote: (l) => lines.push(l) },
    );
    expect(lines[0]).toBe('Loading dataset: 1 train examples');
    expect(lines).toContain('Iter 3: Train loss 0.833, It/sec 12.0');
    expect(r.registered).toMatchObject({ runtime: 'embedded', alias: 'tiny-trained', check: { valid: true } });
    expect(readFileSync(r.logPath, 'utf8')).toContain('Iter 1: Train loss');
    expect(configOf(root).local.registry['tiny-trained'].model).toContain('+lora:');
    p.close();
  });

  it('a failing trainer: its exit code and last log lines, no alias registered', async () => {
    const { root, p } = project();
    const e = await failure(
      finetuneTrainUseCase(p, {
        trainer: "sh -c 'echo epoch 1; echo CUDA out of memory >&2; exit 3' {dataset} {output}",
        base: 'models/tiny.gguf',
        alias: 'bad',
      }),
    );
    expect(e.message).toBe('the trainer failed with exit code 3; last lines: epoch 1 | CUDA out of memory');
    expect(e.hint).toMatch(/train\.log; no alias registered$/);
    expect(configOf(root).local?.registry?.bad).toBeUndefined();
    p.close();
  });

  it('a hanging trainer is stopped after --idle-timeout with its last lines; one without {output} is refused', async () => {
    const { root, p } = project();
    const e = await failure(
      finetuneTrainUseCase(p, {
        trainer: "sh -c 'echo loading shards; sleep 30' {dataset} {output}",
        base: 'models/tiny.gguf',
        alias: 'hung',
        idleTimeoutS: 1,
      }),
    );
    expect(e.message).toBe('the trainer printed nothing for 1 s and was stopped; last lines: loading shards');
    expect(configOf(root).local?.registry?.hung).toBeUndefined();
    const u = await failure(
      finetuneTrainUseCase(p, { trainer: 'true {dataset}', base: 'models/tiny.gguf', alias: 'x' }),
    );
    expect(u.message).toBe('--trainer: the template has no {output} placeholder');
    p.close();
  });
});
