import { existsSync } from 'node:fs';
import { hostOf, isLocalUrl } from '../config/hosts.js';
import { findProjectRoot, loadConfig, projectPaths, type ConfigOverrides } from '../config/load.js';
import { serverUrls, type ResolvedConfig, type ServerUrls } from '../config/schema.js';
import { isAppError } from '../errors.js';
import { openDatabase, schemaStatus } from '../storage/db.js';
import { detectAll, type Finding } from '../diagnostics/detect.js';
import { diagnoseByRules } from '../diagnostics/diagnose.js';
import type { ClassifiedFailure } from '../diagnostics/types.js';
import { MonitorRepo } from '../storage/monitor-repo.js';
import { hasEmbeddedModels } from '../models/embedded/discover.js';
import { roleTargets, serverTargets, type RoleTarget } from './health-targets.js';
import { embeddingCheck, roundTripCheck, type ModelSite } from './health-calls.js';
import { describeProbeError, matchModel, probeServer, type ServerProbe, type WireKind } from './probes.js';

export type { HealthCheck } from './health-calls.js';
import type { HealthCheck } from './health-calls.js';

/** `health --json`. */
export interface HealthReport {
  healthy: boolean;
  /** healthy (no failure or warning), degraded (warnings only) or unhealthy (a check failed). */
  overallStatus: 'healthy' | 'degraded' | 'unhealthy';
  mode?: string;
  project: string;
  checks: HealthCheck[];
}

/** Inputs of a health run; `fetch` is injectable for tests. */
export interface HealthOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigOverrides;
  /** Time allowed for the structured-output round trip and the embedding (cold loads are slow). */
  callTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** Whether any server entry or alias lists several endpoints (only then are the pool checks loaded). */
function hasPools(c: ResolvedConfig): boolean {
  const s = c.local.servers;
  const many = (v: ServerUrls) => serverUrls(v).length > 1;
  return (
    many(s.ollama) ||
    many(s.lmstudio) ||
    many(s.localai) ||
    s.openaiCompatible.some(many) ||
    Object.values(c.local.registry).some((e) => (e.endpoints?.length ?? 0) > 1)
  );
}

const ms = (t0: number) => Math.round(performance.now() - t0);

function findingFailure(f: Finding): ClassifiedFailure {
  return {
    type: 'PERFORMANCE_DEGRADATION',
    kind: f.kind,
    severity: 'LOW',
    message: f.message,
    fingerprint: '',
    context: { component: 'health', operation: 'detect', model: f.model },
  };
}

function dbChecks(path: string): HealthCheck[] {
  const t0 = performance.now();
  const fresh = !existsSync(path);
  let db;
  try {
    // A project without a database yet is sound: check the schema in memory instead of creating files.
    db = openDatabase(fresh ? ':memory:' : path);
  } catch (e) {
    return [
      {
        name: 'database',
        status: 'fail',
        detail: (e as Error).message,
        hint: isAppError(e) ? e.hint : 'run `task-master-local recover --run`',
        ms: ms(t0),
      },
    ];
  }
  try {
    const s = schemaStatus(db);
    const repo = new MonitorRepo(db);
    const vec = repo.vecVersion();
    const integrity = repo.integrityCheck();
    // Problems no call raised (latency, failure rate, truncation) over the last day of calls.
    const findings = fresh ? [] : detectAll(new MonitorRepo(db).callSamples(Date.now() - 86_400_000));
    return [
      ...findings.map(
        (f): HealthCheck => ({
          name: 'performance',
          status: 'warn',
          detail: f.message,
          hint: diagnoseByRules(findingFailure(f))?.fix,
        }),
      ),
      {
        name: 'database',
        status: 'pass',
        detail: fresh ? `${path} (not created yet; created on first use)` : path,
        ms: ms(t0),
      },
      {
        name: 'migrations',
        status: s.current ? 'pass' : 'fail',
        detail: s.current
          ? `current (${s.applied.length} applied, latest ${s.version})`
          : `missing ${s.missing.join(', ')}`,
        ...(s.current ? {} : { hint: 'run any task-master-local command with write access to apply them' }),
      },
      { name: 'sqlite-vec', status: 'pass', detail: vec },
      {
        name: 'integrity',
        status: integrity === 'ok' ? 'pass' : 'fail',
        detail: integrity.slice(0, 200),
        ...(integrity === 'ok' ? {} : { hint: 'run `task-master-local recover --run` to repair the database' }),
      },
    ];
  } finally {
    db.close();
  }
}

/** Checks one role: its server answers and the model is there. Returns where to call it, if usable. */
function roleCheck(
  r: RoleTarget,
  probes: Map<string, ServerProbe & { kind: WireKind }>,
  mode: string,
): { check: HealthCheck; site?: ModelSite } {
  const name = `role ${r.role}`;
  if (r.external) {
    return mode === 'LOCAL_ONLY'
      ? {
          check: {
            name,
            status: 'fail',
            detail: `${r.provider}/${r.model} is external, and LOCAL_ONLY refuses it`,
            hint: `set a local model: \`task-master-local models --set-${r.role} <model>\``,
          },
        }
      : {
          check: {
            name,
            status: 'skip',
            detail: `${r.provider}/${r.model} is external (health never contacts external hosts)`,
          },
        };
  }
  const p = r.endpoint ? probes.get(r.endpoint.replace(/\/+$/, '')) : undefined;
  if (!p)
    return {
      check: {
        name,
        status: 'fail',
        detail: `${r.provider}/${r.model}: no probe-able server`,
        hint: 'give the role a baseURL or a registry entry with an endpoint',
      },
    };
  if (!p.ok)
    return {
      check: { name, status: 'fail', detail: `${r.model}: server ${p.endpoint} is not reachable`, hint: p.hint },
    };
  const found = matchModel(
    p.models.map((m) => m.name),
    r.model,
  );
  if (!found) {
    const f = describeProbeError(
      Object.assign(new Error(`model '${r.model}' not found`), { status: 404 }),
      r.provider,
      p.endpoint,
      r.model,
    );
    return {
      check: {
        name,
        status: 'fail',
        detail: `model ${r.model} is not ${r.provider === 'ollama' ? 'pulled' : 'available'} on ${p.endpoint}`,
        hint: f.hint,
      },
    };
  }
  return {
    check: { name, status: 'pass', detail: `${found} on ${p.endpoint}` },
    site: { kind: p.kind, provider: r.provider, endpoint: p.endpoint, model: found },
  };
}

/** The fast health check: config, servers, role models, a structured round trip, embeddings, the DB. */
export async function runHealth(o: HealthOptions): Promise<HealthReport> {
  const checks: HealthCheck[] = [];
  let config: ResolvedConfig | undefined;
  try {
    config = loadConfig({ cwd: o.cwd, env: o.env ?? process.env, ...(o.flags ? { flags: o.flags } : {}) });
    checks.push({
      name: 'config',
      status: 'pass',
      detail: config.fileExists
        ? `${config.configPath} is valid (mode ${config.local.mode})`
        : `no config.json; defaults (mode ${config.local.mode})`,
    });
  } catch (e) {
    checks.push({
      name: 'config',
      status: 'fail',
      detail: (e as Error).message,
      hint: isAppError(e) ? e.hint : undefined,
    });
  }
  const root = config?.projectRoot ?? findProjectRoot(o.cwd);
  if (!config) {
    checks.push(
      { name: 'servers', status: 'skip', detail: 'config is invalid; fix it first' },
      ...dbChecks(projectPaths(root).db),
    );
    return { healthy: false, overallStatus: 'unhealthy', project: root, checks };
  }
  const fo = { timeoutMs: config.local.timeouts.probeMs, fetch: o.fetch };
  const servers = serverTargets(config);
  const probes = new Map<string, ServerProbe & { kind: WireKind }>();
  const refused = (endpoint: string) =>
    config!.local.mode === 'LOCAL_ONLY' && !isLocalUrl(endpoint, config!.local.trustedHosts);
  await Promise.all(
    servers.map(async (s) => {
      // LOCAL_ONLY holds for probes too: a non-local server is never contacted, not even for its version.
      const p: ServerProbe = refused(s.endpoint)
        ? {
            ok: false,
            endpoint: s.endpoint,
            latencyMs: 0,
            models: [],
            error: 'not a local host; LOCAL_ONLY never contacts it',
            hint: `add ${hostOf(s.endpoint)} to local.trustedHosts if the server is yours, or point ${s.provider} at a local address`,
          }
        : await probeServer(s.kind, s.provider, s.endpoint, fo);
      probes.set(s.endpoint, { ...p, kind: s.kind });
    }),
  );
  const roles = roleTargets(config);
  // Embedded GGUF models need no server: loaded and asked in-process, and only when configured, so
  // other projects never import node-llama-cpp.
  const embedded = hasEmbeddedModels(config)
    ? await (await import('../models/embedded/health-check.js')).embeddedHealthChecks(config, o.env ?? process.env)
    : [];
  const embeddedChat = embedded.find(
    (c) => c.status === 'pass' && c.name !== 'embedded files' && !/embedding model/.test(c.detail),
  );
  const anyChat = !!embeddedChat || servers.some((s) => probes.get(s.endpoint)!.models.some((m) => !m.embedding));
  for (const s of servers) {
    const p = probes.get(s.endpoint)!;
    const label = `server ${s.provider}`;
    if (p.ok)
      checks.push({
        name: label,
        status: 'pass',
        detail: `${p.endpoint}${p.version ? ` version ${p.version}` : ''}, ${p.models.length} model(s)`,
        ms: Math.round(p.latencyMs),
      });
    // With no roles set, any server with a chat model will do; the others are optional.
    else
      checks.push({
        name: label,
        status: s.expected && !(roles.length === 0 && anyChat) ? 'fail' : 'skip',
        detail: `${p.endpoint}: ${p.error}`,
        hint: p.hint,
      });
  }
  let main: ModelSite | undefined;
  for (const r of roles) {
    if (r.provider === 'llama-cpp') continue; // covered by the embedded checks below
    const { check, site } = roleCheck(r, probes, config.local.mode);
    checks.push(check);
    if (r.role === 'main') main = site;
  }
  if (roles.length === 0) {
    const s = servers.find((x) => probes.get(x.endpoint)!.models.some((m) => !m.embedding));
    const m = s && probes.get(s.endpoint)!.models.find((x) => !x.embedding);
    if (s && m) {
      main = { kind: s.kind, provider: s.provider, endpoint: s.endpoint, model: m.name };
      checks.push({
        name: 'chat model',
        status: 'pass',
        detail: `${m.name} on ${s.endpoint} (no roles configured; used by default)`,
      });
    } else if (embeddedChat) {
      checks.push({
        name: 'chat model',
        status: 'pass',
        detail: `${embeddedChat.name.replace(/^embedded /, '')} runs in-process (no server needed)`,
      });
    } else {
      const reachable = servers.find((x) => probes.get(x.endpoint)!.ok);
      checks.push({
        name: 'chat model',
        status: 'fail',
        detail: reachable ? `no chat model on ${reachable.endpoint}` : 'no model server is reachable',
        hint: reachable
          ? 'pull one, e.g. `ollama pull llama3.2`'
          : (probes.get(servers[0]?.endpoint ?? '')?.hint ?? 'start Ollama with `ollama serve`'),
      });
    }
  }
  checks.push(...embedded);
  // The test calls take the path runs take, with health's short deadline (local.timeouts.healthMs),
  // in parallel: `health` answers in seconds whatever the servers do.
  const callTimeout = o.callTimeoutMs ?? config.local.timeouts.healthMs;
  const co = {
    timeoutMs: callTimeout,
    probeMs: config.local.timeouts.probeMs,
    keepAlive: config.local.keepAlive,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };
  const [rt, emb] = await Promise.all([
    roundTripCheck(main, co),
    embeddingCheck(
      config,
      servers.map((s) => ({ ...s, probe: probes.get(s.endpoint)! })),
      co,
    ),
  ]);
  checks.push(rt, emb);
  if (hasPools(config)) checks.push(...(await (await import('./health-pools.js')).poolChecks(config, probes, o)));
  checks.push(...dbChecks(config.dbPath));
  const healthy = checks.every((c) => c.status !== 'fail');
  const overallStatus = !healthy ? 'unhealthy' : checks.some((c) => c.status === 'warn') ? 'degraded' : 'healthy';
  return { healthy, overallStatus, mode: config.local.mode, project: root, checks };
}
