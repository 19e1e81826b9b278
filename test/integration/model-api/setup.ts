import { rmSync } from 'node:fs';
import { openProject, type OpenProjectOptions, type Project } from '../../../src/application/project.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer, type FakeServerOptions } from '../../support/fake-llm-server.js';
import type { CallRecord, FailureEvent, ModelHooks } from '../../../src/models/types.js';

/** A temp project whose config points at one fake Ollama server, plus recorded hook events. */
export interface Rig {
  server: FakeServer;
  project: Project;
  dir: string;
  calls: CallRecord[];
  failures: FailureEvent[];
  routes: Parameters<NonNullable<ModelHooks['onRoute']>>[0][];
  done(): Promise<void>;
}

export async function rig(
  o: {
    server?: FakeServerOptions;
    config?: Record<string, unknown>;
    local?: Record<string, unknown>;
    env?: Record<string, string>;
    open?: Partial<OpenProjectOptions>;
  } = {},
): Promise<Rig> {
  const server = await startFakeServer(o.server ?? {});
  const config = { ...(o.config ?? {}), local: { discover: ['ollama'], retries: 0, ...(o.local ?? {}) } };
  const dir = tempProject({ '.taskmaster/config.json': JSON.stringify(config) });
  const calls: CallRecord[] = [];
  const failures: FailureEvent[] = [];
  const routes: Rig['routes'] = [];
  const project = openProject({
    cwd: dir,
    env: { OLLAMA_HOST: server.url, ...(o.env ?? {}) },
    hooks: [{ onCall: (r) => calls.push(r), onFailure: (f) => failures.push(f), onRoute: (e) => routes.push(e) }],
    backoffMs: 1,
    ...(o.open ?? {}),
  });
  return {
    server,
    project,
    dir,
    calls,
    failures,
    routes,
    async done() {
      project.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Requests the fake server saw on a chat path. */
export function chatRequests(s: FakeServer) {
  return s.requests.filter((r) => r.path === '/api/chat' || r.path === '/v1/chat/completions');
}

/** The default fake models plus a second chat model, for fallback tests. */
export const TWO_CHAT_MODELS = [
  { name: 'llama3.2:latest', contextLength: 131072, family: 'llama' },
  { name: 'qwen2.5:7b', contextLength: 32768, family: 'qwen2' },
  { name: 'nomic-embed-text:latest', contextLength: 2048, family: 'nomic-bert', embedding: true },
];
