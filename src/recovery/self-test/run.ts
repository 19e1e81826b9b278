import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchJson, RoundTripSchema, structuredRoundTrip } from '../../monitor/probes.js';
import { openDatabase } from '../../storage/db.js';
import { diagnoseByRules } from '../../diagnostics/diagnose.js';
import { runWithRecovery } from '../in-run.js';
import { FailureRecoverySystem } from '../system.js';
import type { ModelAPI } from '../../models/types.js';
import type { RecoveryStatus } from '../types.js';
import { closedPort, startFaultServer } from './fault-server.js';

/** One injected fault and what the recovery system made of it. */
export interface SelfTestCase {
  name: string;
  detected: boolean;
  kind?: string;
  diagnosis?: string;
  recovered: boolean;
  strategy?: string;
  detail: string;
  ms: number;
}

/** `recover --self-test`. */
export interface SelfTestResult {
  ok: boolean;
  cases: SelfTestCase[];
  status: RecoveryStatus;
}

const MODEL = 'self-test-model';

/**
 * Opens a project as the application does (config, database, the model API with its recovery
 * hooks). Injected, so this module does not reach up into the application layer.
 */
export type SelfTestProjectOpener = (o: { cwd: string; env: NodeJS.ProcessEnv; backoffMs?: number }) => {
  api(): ModelAPI;
  close(): void;
};

/** Options of runSelfTest. */
export interface SelfTestOptions {
  openProject: SelfTestProjectOpener;
  backoffMs?: number;
}

/**
 * Injects faults into real code paths — an unreachable endpoint (a closed loopback port), a forced
 * invalid model answer (a loopback server it owns; once through runWithRecovery, once through the
 * UnifiedModelAPI and its failure hook), and a locked SQLite file (a second connection holding the
 * write lock) — and checks each is detected, diagnosed and recovered.
 * Uses its own temp directory, so the project's failure history is not touched.
 */
export async function runSelfTest(opts: SelfTestOptions): Promise<SelfTestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tml-selftest-'));
  const db = openDatabase(join(dir, 'recovery.db'));
  const system = new FailureRecoverySystem({ db, backoff: { baseMs: opts.backoffMs ?? 50, maxMs: 500 } });
  const backoff = { baseMs: opts.backoffMs ?? 50, maxMs: 500, retries: 3 };
  const cases: SelfTestCase[] = [];
  const lastAttempt = (id: number) => system.attempts(id).at(-1);
  try {
    // 1. Unreachable endpoint: the failure is recorded, the server comes up, `recover` sees it back.
    {
      const t0 = performance.now();
      const port = await closedPort();
      const endpoint = `http://127.0.0.1:${port}`;
      const ctx = { component: 'self-test', operation: 'probe', provider: 'ollama', endpoint };
      let id: number | undefined;
      try {
        await fetchJson(`${endpoint}/api/version`, {}, { timeoutMs: 2000 });
      } catch (e) {
        id = system.reportFailure(e, ctx).id;
      }
      const f = id === undefined ? undefined : system.get(id);
      const server = await startFaultServer({ model: MODEL, invalidFirst: 0, port });
      try {
        const [out] = f ? await system.recover({ ids: [f.id] }) : [];
        cases.push({
          name: 'unreachable endpoint',
          detected: f?.kind === 'server_unreachable',
          kind: f?.kind,
          diagnosis: system.get(f?.id ?? -1)?.diagnosis?.fix,
          recovered: out?.failure.status === 'recovered',
          strategy: out?.result.strategy,
          detail: out?.result.detail ?? 'no failure was raised',
          ms: Math.round(performance.now() - t0),
        });
      } finally {
        await server.close();
      }
    }
    // 2. Forced invalid answer: the first answer is broken JSON; the re-ask with backoff succeeds.
    {
      const t0 = performance.now();
      const server = await startFaultServer({ model: MODEL, invalidFirst: 1 });
      const ctx = {
        component: 'self-test',
        operation: 'object',
        provider: 'ollama',
        endpoint: server.url,
        model: MODEL,
      };
      try {
        const v = await runWithRecovery(
          system,
          () => structuredRoundTrip('ollama', server.url, MODEL, { timeoutMs: 5000 }),
          ctx,
          backoff,
        );
        const f = system.list().find((x) => x.context.endpoint === server.url);
        cases.push({
          name: 'invalid model answer',
          detected: !!f && (f.kind === 'invalid_output' || f.kind === 'truncated_output'),
          kind: f?.kind,
          diagnosis: f?.diagnosis?.fix,
          recovered: f?.status === 'recovered' && v.healthy === true,
          strategy: f && lastAttempt(f.id)?.strategy,
          detail: `${server.chats} chat call(s); final answer valid`,
          ms: Math.round(performance.now() - t0),
        });
      } catch (e) {
        cases.push({
          name: 'invalid model answer',
          detected: system.list().length > 1,
          recovered: false,
          detail: (e as Error).message,
          ms: Math.round(performance.now() - t0),
        });
      } finally {
        await server.close();
      }
    }
    // 3. The same fault through the model API (UnifiedModelAPI): its re-ask recovers, its failure hook records.
    {
      const t0 = performance.now();
      const server = await startFaultServer({ model: MODEL, invalidFirst: 1 });
      const root = join(dir, 'project');
      mkdirSync(join(root, '.taskmaster'), { recursive: true });
      writeFileSync(
        join(root, '.taskmaster', 'config.json'),
        JSON.stringify({
          models: { main: { provider: 'ollama', modelId: MODEL } },
          local: { mode: 'LOCAL_ONLY', discover: ['ollama'], retries: 1 },
        }),
      );
      // The project's DB is the self-test's own, so the model API's failure hook writes where we look.
      const project = opts.openProject({
        cwd: root,
        env: { OLLAMA_HOST: server.url, TASKMASTER_LOCAL_DB: join(dir, 'recovery.db') },
        backoffMs: opts.backoffMs ?? 50,
      });
      try {
        const a = await project.api().generateObject(
          {
            type: 'GENERAL',
            component: 'self-test',
            noCache: true,
            strictModel: true,
            model: MODEL,
            messages: [{ role: 'user', content: 'Self-test: answer with healthy=true and word="ready".' }],
          },
          RoundTripSchema,
        );
        const g = system.list().find((x) => x.context.endpoint === server.url);
        cases.push({
          name: 'invalid answer via the model API',
          detected: !!g && (g.kind === 'invalid_output' || g.kind === 'truncated_output'),
          kind: g?.kind,
          diagnosis: g && diagnoseByRules({ ...g, status: undefined })?.probableCause,
          recovered: g?.status === 'recovered' && a.value.healthy === true,
          strategy: g && lastAttempt(g.id)?.strategy,
          detail: `${server.chats} chat call(s) through ${a.model.alias}; ${a.attempts.length} attempt(s)`,
          ms: Math.round(performance.now() - t0),
        });
      } catch (e) {
        cases.push({
          name: 'invalid answer via the model API',
          detected: false,
          recovered: false,
          detail: (e as Error).message,
          ms: Math.round(performance.now() - t0),
        });
      } finally {
        project.close();
        await server.close();
      }
    }
    // 4. Locked DB: another connection holds the write lock; the write is retried once it is released.
    {
      const t0 = performance.now();
      const path = join(dir, 'locked.db');
      const holder = new Database(path);
      holder.exec('CREATE TABLE t (v INTEGER)');
      holder.exec('BEGIN IMMEDIATE');
      const writer = new Database(path, { timeout: 0 });
      writer.pragma('busy_timeout = 0');
      let tries = 0;
      try {
        await runWithRecovery(
          system,
          async () => {
            tries++;
            // The lock holder finishes while the writer backs off, as another process would.
            if (tries === 2 && holder.inTransaction) holder.exec('COMMIT');
            writer.prepare('INSERT INTO t (v) VALUES (1)').run();
          },
          { component: 'self-test', operation: 'write', db: 'locked.db' },
          backoff,
        );
        const f = system.list().find((x) => x.kind === 'db_busy');
        const rows = (writer.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
        cases.push({
          name: 'locked database',
          detected: !!f,
          kind: f?.kind,
          diagnosis: f?.diagnosis?.fix ?? f?.message,
          recovered: f?.status === 'recovered' && rows === 1,
          strategy: f && lastAttempt(f.id)?.strategy,
          detail: `${tries} attempt(s); row written`,
          ms: Math.round(performance.now() - t0),
        });
      } catch (e) {
        cases.push({
          name: 'locked database',
          detected: false,
          recovered: false,
          detail: (e as Error).message,
          ms: Math.round(performance.now() - t0),
        });
      } finally {
        if (holder.inTransaction) holder.exec('ROLLBACK');
        writer.close();
        holder.close();
      }
    }
    return { ok: cases.every((c) => c.detected && c.recovered), cases, status: system.status() };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
