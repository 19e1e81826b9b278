/**
 * models --import: a file written by `models --export`, or the specification's configuration shape
 * (deployment_mode; models with provider, model_name, endpoint, capabilities, tier), checked whole
 * before anything is written: providers, aliases, the mode against TASKMASTER_LOCAL_LLM, and that
 * every local server endpoint the file names answers.
 */
import { isAbsolute, resolve } from 'node:path';
import { planImport, refuseProblems, writeImport, type ImportOutcome } from '../models/config-import.js';
import { isLocalKind } from '../models/privacy.js';
import { ServerAccess } from '../models/server-access.js';
import { readTextFile } from '../util/fs.js';
import type { Project } from './project.js';

export interface ModelsImportResult extends ImportOutcome {
  imported: string;
  configPath: string;
}

/** Reads, checks and imports the file; on any problem, one line naming each and nothing written. */
export async function modelsImportUseCase(
  project: Project,
  o: { path: string; cwd?: string; signal?: AbortSignal },
): Promise<ModelsImportResult> {
  const path = isAbsolute(o.path) ? o.path : resolve(o.cwd ?? project.paths.root, o.path);
  const { config } = project;
  const plan = planImport(readTextFile(path), o.path, config.local.trustedHosts);
  if (plan.shape === 'specification') {
    const { mapping } = plan;
    const forced = config.sources.mode?.startsWith('env TASKMASTER_LOCAL_LLM');
    if (forced && mapping.mode && mapping.mode !== 'LOCAL_ONLY') {
      plan.problems.push(
        `deployment_mode: ${mapping.mode} conflicts with TASKMASTER_LOCAL_LLM=true, which forces LOCAL_ONLY (unset it, or import LOCAL_ONLY)`,
      );
    }
    // Each local server the file names must answer; external services are never contacted here.
    const mode = mapping.mode ?? config.local.mode;
    const access = ServerAccess.fromConfig({ ...config, local: { ...config.local, mode } });
    const checked = new Map<string, Promise<{ ok: boolean; skipped?: string; error?: string }>>();
    const results = await Promise.all(
      mapping.models.map(async ({ alias, entry }) => {
        if (!entry.endpoint || !isLocalKind(entry.provider) || entry.provider === 'llama-cpp') return undefined;
        const key = `${entry.provider} ${entry.endpoint}`;
        if (!checked.has(key)) {
          const server = { kind: entry.provider, endpoint: entry.endpoint };
          checked.set(key, access.probe(server, o.signal ? { signal: o.signal } : {}));
        }
        return { alias, endpoint: entry.endpoint, probe: await checked.get(key)! };
      }),
    );
    for (const r of results) {
      if (!r) continue;
      if (r.probe.skipped) plan.notes.push(`models.${r.alias}.endpoint: not checked (${r.probe.skipped})`);
      else if (!r.probe.ok) {
        plan.problems.push(
          `models.${r.alias}.endpoint: ${r.endpoint} is unreachable (${r.probe.error ?? 'no answer'})`,
        );
      }
    }
  }
  refuseProblems(plan, o.path);
  return { ...writeImport(config.configPath, plan, o.path), imported: path, configPath: config.configPath };
}
