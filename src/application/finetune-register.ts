import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { attachAdapter, type Registration } from '../finetune/register.js';
import { ModelConfigFactory } from '../models/config-factory.js';
import { TaskType } from '../models/types.js';
import { manager } from './models-set.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

export interface FinetuneRegisterOptions {
  adapter: string;
  base: string;
  alias: string;
  /** Ask the registered model one structured question before saving the alias (default true). */
  check?: boolean;
  cwd?: string;
}

export interface FinetuneRegisterResult extends Registration {
  alias: string;
  /** The check's answer time and validity, when it ran. */
  check?: { ms: number; valid: boolean; answer: unknown };
}

const CheckSchema = z.object({ title: z.string().min(1), complexity: z.number().int().min(1).max(10) });

/**
 * Checks the adapter against the base, attaches it (Ollama: blob + create; embedded: base+adapter
 * reference), asks the new model one structured question, and only then saves the alias in
 * config.json, so a failure leaves no alias behind.
 */
export async function finetuneRegisterUseCase(
  project: Project,
  o: FinetuneRegisterOptions,
  run: RunControls<never> = {},
): Promise<FinetuneRegisterResult> {
  const cwd = o.cwd ?? project.paths.root;
  const local = project.config.local;
  if (local.registry[o.alias] && o.alias !== o.base && !local.registry[o.alias]?.model.includes('+lora:'))
    throw new AppError('CONFLICT', `alias ${o.alias} already names ${local.registry[o.alias]!.model}`, {
      hint: 'choose another --as, or remove it first with `task-master-local models --remove <alias>`',
    });
  const reg = await attachAdapter(
    {
      adapter: o.adapter,
      base: o.base,
      alias: o.alias,
      adaptersDir: join(project.paths.taskmasterDir, 'finetune', 'adapters'),
      registry: local.registry,
      ollamaEndpoint: [local.servers.ollama].flat()[0]!,
      ...(run.onNote ? { onStatus: run.onNote } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
    },
    cwd,
  );
  let check: FinetuneRegisterResult['check'];
  if (o.check !== false) {
    const ref = ModelConfigFactory.create(reg.entry.provider, reg.entry.model, {
      alias: o.alias,
      ...(reg.entry.endpoint ? { endpoint: reg.entry.endpoint } : {}),
      trustedHosts: local.trustedHosts,
    });
    const t0 = performance.now();
    try {
      const a = await project.api().generateObject(
        {
          type: TaskType.PLANNING,
          model: ref,
          strictModel: true,
          noCache: true,
          maxTokens: 256,
          component: 'finetune',
          messages: [
            { role: 'system', content: 'Answer with JSON only.' },
            { role: 'user', content: 'One task to set up continuous integration: {"title": …, "complexity": 1-10}.' },
          ],
          ...(run.signal ? { signal: run.signal } : {}),
        },
        CheckSchema,
      );
      check = { ms: Math.round(performance.now() - t0), valid: true, answer: a.value };
    } catch (e) {
      if (reg.runtime === 'embedded') rmSync(reg.adapter, { force: true });
      throw new AppError(
        (e as AppError).code ?? 'PROVIDER_ERROR',
        `${o.alias} (${o.base} + ${o.adapter}) did not answer a structured check: ${(e as Error).message}; no alias registered`,
        { hint: (e as AppError).hint ?? 'check the base model and the adapter, or register with --no-check', cause: e },
      );
    }
  }
  manager(project).apply({
    addAlias: {
      alias: o.alias,
      provider: reg.entry.provider,
      model: reg.entry.model,
      ...(reg.entry.endpoint ? { endpoint: reg.entry.endpoint } : {}),
    },
  });
  return { ...reg, alias: o.alias, ...(check ? { check } : {}) };
}
