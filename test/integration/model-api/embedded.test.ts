import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LlamaCppProvider } from '../../../src/models/providers/llama-cpp.js';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';
import { ensureLlamaCppForTests, writeTinyGguf } from '../../support/make-tiny-gguf.js';
import { rig, type Rig } from './setup.js';

let models: string;
let r: Rig | undefined;
beforeAll(() => {
  ensureLlamaCppForTests();
  models = mkdtempSync(join(tmpdir(), 'tml-model-api-gguf-'));
  writeTinyGguf(join(models, 'tiny-chat.gguf'));
});
afterAll(async () => {
  await r?.done();
  await LlamaCppProvider.disposeAll();
  rmSync(models, { recursive: true, force: true });
});

const Small = z.object({ priority: z.enum(['low', 'medium', 'high']), done: z.boolean() });

describe('the model API with no server but a GGUF in local.modelDirs', () => {
  it('routes to the embedded model in LOCAL_ONLY and validates its answer', async () => {
    r = await rig({
      env: { OLLAMA_HOST: 'http://127.0.0.1:9', HOME: models },
      local: { modelDirs: [models], mode: 'LOCAL_ONLY' },
    });
    const a = await r.project
      .api()
      .generateObject(
        { type: 'GENERAL', messages: [{ role: 'user', content: 'classify: buy milk' }], maxTokens: 64 },
        Small,
      );
    expect(Small.safeParse(a.value).success).toBe(true);
    expect(a.model).toMatchObject({ provider: 'llama-cpp', local: true });
    const rows = new MetricsRepo(r.project.db()).list();
    expect(rows.at(-1)).toMatchObject({ provider: 'llama-cpp', host: 'embedded', local: true, ok: true });
  });
});
