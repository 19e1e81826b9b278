/** What the CLI tests on a tasks file and one fake server share: the server's life, its env, a project. */
import { afterAll, beforeAll } from 'vitest';
import { tempProject } from './cli.js';
import { startFakeServer, type FakeServer } from './fake-llm-server.js';
import { fixture } from './tasks-fixture.js';

/** One fake server for the file's tests: started before them, closed after. Read `server` inside a test. */
export function fakeServerForFile(): { readonly server: FakeServer; env(): { OLLAMA_HOST: string } } {
  let server: FakeServer | undefined;
  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  const started = () => {
    if (!server) throw new Error('the fake server starts in beforeAll: use it inside a test');
    return server;
  };
  return {
    get server() {
      return started();
    },
    env: () => ({ OLLAMA_HOST: started().url }),
  };
}

/** Every local server kind pointed at a closed port: no model is reachable. */
export const NO_SERVER = {
  OLLAMA_HOST: 'http://127.0.0.1:9',
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
};

export const TASKS_FILE = '.taskmaster/tasks/tasks.json';

/** A temp project whose tasks.json is `json` (default: the five-task fixture). */
export const tasksProject = (json: string = fixture()) => tempProject({ [TASKS_FILE]: json });
