import { readFileSync, rmSync } from 'node:fs';
import { openProject, type Project } from '../../../src/application/project.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeModel, type FakeServer } from '../../support/fake-llm-server.js';

/** A temp project pointed at one fake Ollama server. */
export interface OptRig {
  server: FakeServer;
  project: Project;
  dir: string;
  config(): Record<string, unknown>;
  done(): Promise<void>;
}

export async function optRig(o: { models?: FakeModel[]; config?: Record<string, unknown> } = {}): Promise<OptRig> {
  const server = await startFakeServer(o.models ? { models: o.models } : {});
  const dir = tempProject({
    '.taskmaster/config.json': JSON.stringify({ ...(o.config ?? {}), local: { discover: ['ollama'], retries: 0 } }),
  });
  const project = openProject({ cwd: dir, env: { OLLAMA_HOST: server.url }, backoffMs: 1 });
  return {
    server,
    project,
    dir,
    config: () => JSON.parse(readFileSync(project.config.configPath, 'utf8')) as Record<string, unknown>,
    async done() {
      project.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Chat requests the server saw. */
export function chats(s: FakeServer) {
  return s.requests.filter((r) => r.path === '/api/chat');
}
