/** Several fake servers at once (a pool of endpoints), any of which can be killed mid-run. */
import type { FakeServer, FakeServerOptions } from './types.js';

export interface FakeCluster {
  readonly servers: FakeServer[];
  readonly urls: string[];
  /** Kills server i: its listener closes and its open connections are destroyed (an endpoint dying). */
  kill(i: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts `n` servers with the same options, or per-index options; a given port counts up from there. */
export async function makeCluster(
  start: (o: FakeServerOptions) => Promise<FakeServer>,
  n: number,
  opts: FakeServerOptions | ((i: number) => FakeServerOptions) = {},
): Promise<FakeCluster> {
  const servers: FakeServer[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const o = typeof opts === 'function' ? opts(i) : opts;
      servers.push(await start(o.port ? { ...o, port: o.port + i } : o));
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  return {
    servers,
    urls: servers.map((s) => s.url),
    kill: (i) => {
      const s = servers[i];
      if (!s) throw new Error(`fake cluster: no server ${i} (${servers.length} started)`);
      return s.kill();
    },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
