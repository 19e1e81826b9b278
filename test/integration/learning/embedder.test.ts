import { afterEach, describe, expect, it } from 'vitest';
import { apiEmbedder } from '../../../src/learning/engine.js';
import { rig, type Rig } from '../model-api/setup.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.done();
  r = undefined;
});

describe("the learning embedder's bound is an executor deadline", () => {
  it('a hung embedding server: a TIMEOUT of that endpoint (recorded as a failure), never an abort', async () => {
    r = await rig({
      server: {
        models: [
          { name: 'llama3.2:latest', contextLength: 8192 },
          { name: 'nomic-embed-text:latest', embedding: true },
        ],
      },
    });
    r.server.fault({ kind: 'hang', times: 10, path: /^\/api\/embed$/ });
    const e = await apiEmbedder(
      r.project.api(),
      300,
    )(['a context'])
      .then(() => undefined)
      .catch((x: unknown) => x);
    expect(e).toBeDefined();
    expect((e as { code: string }).code).not.toBe('ABORTED');
    expect(r.failures.map((f) => (f.error as { code: string }).code)).toEqual(['TIMEOUT']);
    expect(r.calls.map((c) => [c.operation, c.errorCode])).toEqual([['embed', 'TIMEOUT']]);

    // The executor's verdict holds like any call's: the silent model is skipped for a while, not asked again.
    const sent = r.server.counts()['/api/embed'];
    const again = await apiEmbedder(r.project.api(), 300)(['a context']).catch((x: unknown) => x);
    expect(String((again as Error).message)).toMatch(/it went silent/);
    expect(r.server.counts()['/api/embed']).toBe(sent);
  }, 30_000);
});
