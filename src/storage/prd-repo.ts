import { z } from 'zod';
import { writeTx, type DB } from './db.js';
import { withGroupedWrites } from './write-group.js';

/** A stored answer of one plan node, reused by --resume and reruns. */
export interface Checkpoint {
  nodeKey: string;
  runKey: string;
  path: string;
  kind: 'chunk' | 'expand';
  value: unknown;
  model?: string;
  promptId?: string;
  promptTokens: number;
  completionTokens: number;
  runId: string;
}

/** Everything a run measured; the learning module reads these rows as experiences. */
export interface RunSummary {
  runId: string;
  runKey: string;
  startedAt: string;
  finishedAt?: string;
  prdPath: string;
  prdHash: string;
  prdBytes: number;
  sections: number;
  chunks: number;
  options: Record<string, unknown>;
  tag: string;
  models: string[];
  promptIds: string[];
  llmCalls: number;
  promptTokens: number;
  /** Of promptTokens, those the server took from its KV cache (when it reports them). */
  cachedPromptTokens?: number;
  completionTokens: number;
  cacheHits: number;
  resumedNodes: number;
  reasks: number;
  fallbacks: number;
  failures: number;
  /** Expansions started from a streamed answer and dropped because the final answer differed. */
  discarded?: number;
  depFixes: number;
  mergedDuplicates: number;
  tasks: number;
  subtasks: number;
  depth: number;
  durationMs: number;
  success: boolean;
  structural: boolean;
  dryRun: boolean;
  errorCode?: string;
  errorMessage?: string;
}

/** A plan node row with provenance. */
export interface NodeRow {
  path: string;
  parentPath?: string;
  depth: number;
  tmId?: string;
  title: string;
  description: string;
  details: string;
  testStrategy: string;
  priority: string;
  complexity: number;
  deps: number[];
  source: string;
  model?: string;
  promptId?: string;
}

/** A plan node's place and id, without its texts. */
export type NodeLink = Pick<NodeRow, 'path' | 'parentPath' | 'depth' | 'tmId' | 'complexity'>;

/** The PRD part one chunk call was asked about (fine-tuning rebuilds the exact prompt from it). */
export interface PartRow {
  index: number;
  headings: string[];
  text: string;
  tokens: number;
}

const CheckpointRow = z.object({
  node_key: z.string(),
  run_key: z.string(),
  path: z.string(),
  kind: z.enum(['chunk', 'expand']),
  value_json: z.string(),
  model: z.string().nullable(),
  prompt_id: z.string().nullable(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  run_id: z.string(),
});

// Built once: a zod schema built per row costs more than the row (export reads ten thousand).
const Strings = z.array(z.string());
const Numbers = z.array(z.number());

/** All SQL of parse-prd. */
export class PrdRepo {
  constructor(private readonly db: DB) {}

  /**
   * Runs a whole parse-prd run with the connection's writes grouped (write-group.ts): the run's rows,
   * and the checkpoint, cached answer and metrics row of each of its calls, commit in shared
   * transactions instead of one commit each. Nested in a caller's group, the outer group commits.
   */
  grouped<T>(fn: () => Promise<T>): Promise<T> {
    return withGroupedWrites(this.db, fn);
  }

  /** Stores one node's answer (its own savepoint; committed with the run's write group, or at once without one). */
  saveCheckpoint(c: Checkpoint): void {
    writeTx(this.db, () => {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO prd_checkpoints (node_key, run_key, path, kind, value_json, model, prompt_id, prompt_tokens, completion_tokens, run_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          c.nodeKey,
          c.runKey,
          c.path,
          c.kind,
          JSON.stringify(c.value),
          c.model ?? null,
          c.promptId ?? null,
          c.promptTokens,
          c.completionTokens,
          c.runId,
        );
    });
  }

  /** The stored answer of a node, or undefined. */
  getCheckpoint(nodeKey: string): Checkpoint | undefined {
    const raw = this.db.prepare('SELECT * FROM prd_checkpoints WHERE node_key = ?').get(nodeKey);
    if (!raw) return undefined;
    const r = CheckpointRow.parse(raw);
    return {
      nodeKey: r.node_key,
      runKey: r.run_key,
      path: r.path,
      kind: r.kind,
      value: JSON.parse(r.value_json) as unknown,
      model: r.model ?? undefined,
      promptId: r.prompt_id ?? undefined,
      promptTokens: r.prompt_tokens,
      completionTokens: r.completion_tokens,
      runId: r.run_id,
    };
  }

  /** Number of checkpoints stored for a PRD+options key (tests and the resume message use it). */
  countCheckpoints(runKey: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM prd_checkpoints WHERE run_key = ?').get(runKey) as { n: number })
      .n;
  }

  /** Records a run's start (success=0 until finishRun), so killed runs still leave a row. */
  startRun(s: RunSummary): void {
    writeTx(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO prd_runs (run_id, run_key, started_at, prd_path, prd_hash, prd_bytes, options_json, tag, dry_run)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          s.runId,
          s.runKey,
          s.startedAt,
          s.prdPath,
          s.prdHash,
          s.prdBytes,
          JSON.stringify(s.options),
          s.tag,
          s.dryRun ? 1 : 0,
        );
    });
  }

  /** Writes the final summary and, on success, the plan tree and the PRD parts, in one transaction. */
  finishRun(s: RunSummary, nodes: NodeRow[] = [], parts: PartRow[] = []): void {
    writeTx(this.db, () => {
      this.db
        .prepare(
          `UPDATE prd_runs SET finished_at=?, sections=?, chunks=?, models_json=?, prompt_ids_json=?, llm_calls=?, prompt_tokens=?,
             completion_tokens=?, cache_hits=?, resumed_nodes=?, reasks=?, fallbacks=?, failures=?, dep_fixes=?, merged_duplicates=?,
             tasks=?, subtasks=?, depth=?, duration_ms=?, success=?, structural=?, error_code=?, error_message=?,
             cached_prompt_tokens=?, discarded=?
           WHERE run_id=?`,
        )
        .run(
          s.finishedAt ?? new Date().toISOString(),
          s.sections,
          s.chunks,
          JSON.stringify(s.models),
          JSON.stringify(s.promptIds),
          s.llmCalls,
          s.promptTokens,
          s.completionTokens,
          s.cacheHits,
          s.resumedNodes,
          s.reasks,
          s.fallbacks,
          s.failures,
          s.depFixes,
          s.mergedDuplicates,
          s.tasks,
          s.subtasks,
          s.depth,
          s.durationMs,
          s.success ? 1 : 0,
          s.structural ? 1 : 0,
          s.errorCode ?? null,
          s.errorMessage ?? null,
          s.cachedPromptTokens ?? 0,
          s.discarded ?? 0,
          s.runId,
        );
      const ins = this.db.prepare(
        `INSERT OR REPLACE INTO prd_nodes (run_id, path, parent_path, depth, tm_id, title, description, details, test_strategy, priority, complexity, deps_json, source, model, prompt_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const n of nodes) {
        ins.run(
          s.runId,
          n.path,
          n.parentPath ?? null,
          n.depth,
          n.tmId ?? null,
          n.title,
          n.description,
          n.details,
          n.testStrategy,
          n.priority,
          n.complexity,
          JSON.stringify(n.deps),
          n.source,
          n.model ?? null,
          n.promptId ?? null,
        );
      }
      const part = this.db.prepare(
        'INSERT OR REPLACE INTO prd_parts (run_id, chunk_index, headings_json, text, tokens) VALUES (?, ?, ?, ?, ?)',
      );
      for (const p of parts) part.run(s.runId, p.index, JSON.stringify(p.headings), p.text, p.tokens);
    });
  }

  /** Successful, written (not dry-run) model runs, newest first: what fine-tuning exports. */
  writtenRuns(): RunSummary[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM prd_runs WHERE success = 1 AND dry_run = 0 AND structural = 0 ORDER BY started_at DESC, rowid DESC',
      )
      .all() as Record<string, unknown>[];
    return rows.map(toSummary);
  }

  /** The PRD parts stored for a run, in chunk order (none for runs made before they were stored). */
  parts(runId: string): PartRow[] {
    const rows = this.db
      .prepare('SELECT chunk_index, headings_json, text, tokens FROM prd_parts WHERE run_id = ? ORDER BY chunk_index')
      .all(runId) as { chunk_index: number; headings_json: string; text: string; tokens: number }[];
    return rows.map((r) => ({
      index: r.chunk_index,
      headings: Strings.parse(JSON.parse(r.headings_json)),
      text: r.text,
      tokens: r.tokens,
    }));
  }

  /** Run summaries, newest first (learning and `health` read them). */
  listRuns(limit = 20): RunSummary[] {
    const rows = this.db
      .prepare('SELECT * FROM prd_runs ORDER BY started_at DESC, rowid DESC LIMIT ?')
      .all(limit) as Record<string, unknown>[];
    return rows.map(toSummary);
  }

  /** The shape of a run's plan tree without its texts (export matches it against tasks.json). */
  nodeLinks(runId: string): NodeLink[] {
    const rows = this.db
      .prepare('SELECT path, parent_path, depth, tm_id, complexity FROM prd_nodes WHERE run_id = ? ORDER BY rowid')
      .all(runId) as Record<string, unknown>[];
    return rows.map((r) => ({
      path: String(r.path),
      parentPath: (r.parent_path as string | null) ?? undefined,
      depth: Number(r.depth),
      tmId: (r.tm_id as string | null) ?? undefined,
      complexity: Number(r.complexity),
    }));
  }

  /** The plan tree stored for a run. */
  nodes(runId: string): NodeRow[] {
    const rows = this.db.prepare('SELECT * FROM prd_nodes WHERE run_id = ? ORDER BY rowid').all(runId) as Record<
      string,
      unknown
    >[];
    return rows.map((r) => ({
      path: String(r.path),
      parentPath: (r.parent_path as string | null) ?? undefined,
      depth: Number(r.depth),
      tmId: (r.tm_id as string | null) ?? undefined,
      title: String(r.title),
      description: String(r.description),
      details: String(r.details),
      testStrategy: String(r.test_strategy),
      priority: String(r.priority),
      complexity: Number(r.complexity),
      deps: Numbers.parse(JSON.parse(String(r.deps_json))),
      source: String(r.source),
      model: (r.model as string | null) ?? undefined,
      promptId: (r.prompt_id as string | null) ?? undefined,
    }));
  }
}

function toSummary(r: Record<string, unknown>): RunSummary {
  const strs = (v: unknown) => Strings.parse(JSON.parse(String(v)));
  return {
    runId: String(r.run_id),
    runKey: String(r.run_key),
    startedAt: String(r.started_at),
    finishedAt: (r.finished_at as string | null) ?? undefined,
    prdPath: String(r.prd_path),
    prdHash: String(r.prd_hash),
    prdBytes: Number(r.prd_bytes),
    sections: Number(r.sections),
    chunks: Number(r.chunks),
    options: JSON.parse(String(r.options_json)) as Record<string, unknown>,
    tag: String(r.tag),
    models: strs(r.models_json),
    promptIds: strs(r.prompt_ids_json),
    llmCalls: Number(r.llm_calls),
    promptTokens: Number(r.prompt_tokens),
    cachedPromptTokens: Number(r.cached_prompt_tokens ?? 0),
    completionTokens: Number(r.completion_tokens),
    cacheHits: Number(r.cache_hits),
    resumedNodes: Number(r.resumed_nodes),
    reasks: Number(r.reasks),
    fallbacks: Number(r.fallbacks),
    failures: Number(r.failures),
    discarded: Number(r.discarded ?? 0),
    depFixes: Number(r.dep_fixes),
    mergedDuplicates: Number(r.merged_duplicates),
    tasks: Number(r.tasks),
    subtasks: Number(r.subtasks),
    depth: Number(r.depth),
    durationMs: Number(r.duration_ms),
    success: r.success === 1,
    structural: r.structural === 1,
    dryRun: r.dry_run === 1,
    errorCode: (r.error_code as string | null) ?? undefined,
    errorMessage: (r.error_message as string | null) ?? undefined,
  };
}
