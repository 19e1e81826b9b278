/**
 * LocalRAGSystem: the research knowledge base and its questions. Everything it touches is
 * injected (model API, repositories, clock, progress callback), so it runs the same in the CLI,
 * in tests against the fake server and in the benchmark with the offline embedder.
 */
import { AppError, ValidationError } from '../errors.js';
import type { ModelAPI, ProgressEvent } from '../models/types.js';
import type { ResearchRepo, VecTable } from '../storage/research-repo.js';
import type { ResearchSessionRepo } from '../storage/research-session-repo.js';
import { synthesize, type Passage, type Synthesis } from './answer.js';
import { chunkText, isMarkdownPath } from './chunker.js';
import { ResearchEmbedder, emptyKnowledgeBase } from './embedder.js';
import { ftsMatch, ftsTerms } from './fts-query.js';
import { reciprocalRankFusion } from './fusion.js';
import { collectFiles, readTextFile, type Skipped } from './ingest.js';
import { autonomousResearchLoop, type LoopOptions, type LoopResult } from './loop.js';
import { embedText, round, sha256 } from './text.js';

/** Everything LocalRAGSystem depends on, injected. */
export interface RAGDeps {
  repo: ResearchRepo;
  sessions: ResearchSessionRepo;
  /** Absent: no model at all (offline embedder, extractive answers). */
  api?: ModelAPI;
  /** Project root: file sources are stored relative to it. */
  root: string;
  clock?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
  embedder?: { mode?: 'auto' | 'offline'; batchSize?: number; model?: string };
}

/** Which embedder produced the vectors of an operation. */
export interface EmbedderInfo {
  model: string;
  offline: boolean;
  reason?: string;
}

/** Outcome of adding files or notes. */
export interface AddResult {
  added: string[];
  updated: string[];
  unchanged: string[];
  skipped: Skipped[];
  chunks: number;
  embedCalls: number;
  embedder?: EmbedderInfo;
  notes: string[];
}

/** Ranked passages of a hybrid search. */
export interface SearchResult {
  query: string;
  passages: Passage[];
  embedder: EmbedderInfo;
  embedCalls: number;
  notes: string[];
}

/** A cited research answer. */
export interface ResearchAnswer extends Synthesis {
  question: string;
  passages: Passage[];
  embedder: EmbedderInfo;
  durationMs: number;
}

/** Options of researchQuery(). */
export interface QueryOptions {
  k?: number;
  source?: string;
  context?: string;
  selfCheck?: boolean;
  signal?: AbortSignal;
  /** Set by the loop: its summary row is written once, not per question. */
  noRecord?: boolean;
}

// Chunks per round trip through the DB: about 1024, rounded to whole batches so that the number
// of embed calls stays ceil(chunks / batch).
const groupSize = (batch: number) => batch * Math.max(1, Math.ceil(1024 / batch));

/** The local RAG system (see module comment). */
export class LocalRAGSystem {
  readonly embedder: ResearchEmbedder;
  private readonly clock: () => Date;
  private embedCalls = 0;
  private complete = '';
  /** Writes made through this instance (data_version only sees other connections' writes). */
  private writes = 0;

  constructor(readonly deps: RAGDeps) {
    this.embedder = new ResearchEmbedder(deps.api, deps.embedder);
    this.clock = deps.clock ?? (() => new Date());
  }

  private progress(e: ProgressEvent): void {
    this.deps.onProgress?.(e);
  }

  private info(model: string): EmbedderInfo {
    return { model, offline: this.embedder.isOffline, reason: this.embedder.fallbackReason };
  }

  /** Adds files, directories and globs; unchanged files are no-ops, changed ones replace their chunks. */
  async addSources(paths: readonly string[], opts: { cwd?: string; signal?: AbortSignal } = {}): Promise<AddResult> {
    if (!paths.length) throw new ValidationError('no paths given', { hint: 'research add <dir|file|glob>...' });
    const { files, skipped } = collectFiles(paths, this.deps.root, opts.cwd ?? this.deps.root);
    const res: AddResult = { added: [], updated: [], unchanged: [], skipped, chunks: 0, embedCalls: 0, notes: [] };
    const fresh: { id: number; sourceId: number; text: string }[] = [];
    files.forEach((f, i) => {
      this.progress({ type: 'ingest', done: i, total: files.length, source: f.rel });
      const r = readTextFile(f.abs);
      if (!r.ok) return void res.skipped.push({ path: f.rel, reason: r.reason });
      this.ingest(f.rel, 'file', undefined, r.text, r.bytes, res, fresh);
    });
    this.progress({ type: 'ingest', done: files.length, total: files.length });
    await this.embedNew(fresh, res, opts.signal);
    return res;
  }

  /** Adds hand-written knowledge; `source` defaults to `note:<title>`. */
  async addExternalKnowledge(
    k: { title: string; content: string; source?: string },
    opts: { signal?: AbortSignal } = {},
  ): Promise<AddResult> {
    if (!k.title.trim() || !k.content.trim()) {
      throw new ValidationError('a note needs a title and some text', {
        hint: 'research add --note "<title>" "<text>"',
      });
    }
    const res: AddResult = { added: [], updated: [], unchanged: [], skipped: [], chunks: 0, embedCalls: 0, notes: [] };
    const fresh: { id: number; sourceId: number; text: string }[] = [];
    const body = `# ${k.title.trim()}\n\n${k.content.trim()}\n`;
    this.ingest(
      k.source ?? `note:${k.title.trim()}`,
      'note',
      k.title.trim(),
      body,
      Buffer.byteLength(body),
      res,
      fresh,
    );
    await this.embedNew(fresh, res, opts.signal);
    return res;
  }

  private ingest(
    source: string,
    kind: 'file' | 'note',
    title: string | undefined,
    text: string,
    bytes: number,
    res: AddResult,
    fresh: { id: number; sourceId: number; text: string }[],
  ): void {
    const hash = sha256(text);
    const old = this.deps.repo.getSource(source);
    if (old && old.hash === hash) return void res.unchanged.push(source);
    const chunks = chunkText(text, { markdown: kind === 'note' || isMarkdownPath(source) });
    if (!chunks.length) return void res.skipped.push({ path: source, reason: 'no text' });
    this.writes++;
    const { sourceId, chunkIds } = this.deps.repo.replaceSource({ source, kind, title, hash, bytes }, chunks);
    chunks.forEach((c, i) => fresh.push({ id: chunkIds[i]!, sourceId, text: embedText(c.heading, c.text) }));
    (old ? res.updated : res.added).push(source);
    res.chunks += chunks.length;
  }

  // Embeds the chunks just written; calls = ceil(n / batch). If the embedding model changed since
  // older chunks were indexed, those are re-embedded now too (lazily, never mixed into one table).
  // Interrupted (signal), the chunks already written stay; the ones without vectors are embedded by the
  // next add or search (fillPending), so the index is never half-written.
  private async embedNew(
    fresh: { id: number; sourceId: number; text: string }[],
    res: AddResult,
    signal?: AbortSignal,
  ): Promise<void> {
    if (!fresh.length) return;
    const before = this.embedCalls;
    let table: VecTable | undefined;
    const g = groupSize(this.embedder.batchSize);
    for (let i = 0; i < fresh.length; i += g) {
      table = await this.embedRows(
        fresh.slice(i, i + g),
        res.notes,
        Math.min(i + g, fresh.length),
        fresh.length,
        signal,
      );
    }
    if (table) {
      await this.fillPending(table, res.notes, signal);
      this.partition(table, res.notes);
    }
    res.embedCalls = this.embedCalls - before;
    res.embedder = this.info(table?.model ?? '');
  }

  private async embedRows(
    rows: { id: number; sourceId: number; text: string }[],
    notes: string[],
    done?: number,
    total?: number,
    signal?: AbortSignal,
  ) {
    const e = await this.embedder.embed(
      rows.map((r) => r.text),
      signal,
    );
    this.embedCalls += e.calls;
    const table = this.table(e.model, e.dimension, notes);
    this.deps.repo.insertVectors(
      table,
      rows.map((r, i) => ({ chunkId: r.id, sourceId: r.sourceId, vector: e.vectors[i]! })),
    );
    if (total) this.progress({ type: 'embed', done, total, model: e.model });
    return table;
  }

  private table(model: string, dimension: number, notes: string[]): VecTable {
    const { table, droppedDimension } = this.deps.repo.ensureVecTable(model, dimension);
    if (droppedDimension !== undefined) {
      notes.push(
        `embedding model ${model} changed dimension ${droppedDimension} → ${dimension}; its old vectors were dropped and chunks are re-embedded`,
      );
    }
    return table;
  }

  // Large tables get IVF partitions (built once, rebuilt after 4× growth) so kNN stays fast.
  private partition(table: VecTable, notes: string[]): void {
    if (this.deps.repo.maybeBuildIvf(table)) {
      const c = this.deps.repo.ivf(table)!;
      notes.push(`partitioned the ${table.model} vectors into ${c.clusters} clusters for fast search`);
    }
  }

  private async fillPending(table: VecTable, notes: string[], signal?: AbortSignal): Promise<void> {
    // Counting rows costs ~4 ms per count at 100k; remember that the table was complete and skip
    // the check until the database changes (data_version: other connections; writes: this one).
    const key = `${table.name}:${this.deps.repo.dataVersion()}:${this.writes}`;
    if (this.complete === key) return;
    if (this.deps.repo.embeddedCount(table) >= this.deps.repo.countChunks()) {
      this.complete = key;
      return;
    }
    const pending = this.deps.repo.pendingChunks(table);
    if (!pending.length) return;
    notes.push(`re-embedding ${pending.length} chunks with ${table.model}`);
    const g = groupSize(this.embedder.batchSize);
    for (let i = 0; i < pending.length; i += g) {
      const rows = pending
        .slice(i, i + g)
        .map((c) => ({ id: c.id, sourceId: c.source_id, text: embedText(c.heading, c.text) }));
      await this.embedRows(rows, notes, Math.min(i + g, pending.length), pending.length, signal);
    }
    this.partition(table, notes);
  }

  /** Hybrid search: vector kNN and BM25, fused by reciprocal rank; `source` filters by name or directory. */
  async search(query: string, opts: { k?: number; source?: string; signal?: AbortSignal } = {}): Promise<SearchResult> {
    const k = Math.max(1, Math.min(opts.k ?? 8, 100));
    if (!this.deps.repo.hasChunks()) throw emptyKnowledgeBase();
    const match = this.ftsQuery(query);
    if (!match)
      throw new ValidationError(`the query "${query}" has no words to search for`, {
        hint: 'use words or numbers in the query',
      });
    let sourceIds: number[] | undefined;
    if (opts.source) {
      sourceIds = this.deps.repo.sourceIds(opts.source);
      if (!sourceIds.length)
        throw new AppError('NOT_FOUND', `no source named ${opts.source}`, {
          hint: 'list them with `research sources`',
        });
    }
    const notes: string[] = [];
    const before = this.embedCalls;
    const e = await this.embedder.embed([query], opts.signal);
    this.embedCalls += e.calls;
    const table = this.table(e.model, e.dimension, notes);
    await this.fillPending(table, notes, opts.signal);
    const qv = e.vectors[0]!;
    // Fusion only needs the heads of both lists; a shallow kNN keeps sqlite-vec fast at scale.
    const vec = this.deps.repo.knn(table, qv, Math.max(k * 2, 20), { sourceIds });
    const fts = this.deps.repo.fts(match, Math.max(k * 4, 40), sourceIds);
    const fused = reciprocalRankFusion([vec.map((v) => v.id), fts.map((f) => f.id)]).slice(0, k);
    const ids = fused.map((f) => f.id);
    const dist = new Map(vec.map((v) => [v.id, v.distance]));
    const missing = ids.filter((id) => !dist.has(id));
    for (const d of this.deps.repo.distances(table, qv, missing)) dist.set(d.id, d.distance);
    const bm = new Map(fts.map((f) => [f.id, f.score]));
    const rows = this.deps.repo.chunks(ids);
    const passages: Passage[] = rows.map((c, i) => {
      const d = dist.get(c.id);
      return {
        n: i + 1,
        chunkId: c.id,
        source: c.source,
        startLine: c.start_line,
        endLine: c.end_line,
        lines: `${c.start_line}-${c.end_line}`,
        heading: c.heading,
        text: c.text,
        score: round(fused[i]!.score, 5),
        similarity: d === undefined ? undefined : round(1 - d, 4),
        bm25: bm.get(c.id),
      };
    });
    return { query, passages, embedder: this.info(e.model), embedCalls: this.embedCalls - before, notes };
  }

  // Terms found in more than a tenth of the chunks (at least 500) are dropped when rarer terms
  // remain: BM25 would score every chunk containing them, and they barely change the ranking.
  private ftsQuery(query: string): string | null {
    const terms = ftsTerms(query);
    if (terms.length < 2) return terms.length ? ftsMatch(terms) : null;
    const cap = Math.max(500, Math.floor(this.deps.repo.maxChunkId() / 10));
    const df = terms.map((t) => ({ t, n: this.deps.repo.termFrequency(t, cap) }));
    const kept = df.filter((x) => x.n < cap).map((x) => x.t);
    return ftsMatch(kept.length ? kept : terms);
  }

  /** Retrieves, then answers with citations and a confidence; records a summary row. */
  async researchQuery(question: string, opts: QueryOptions = {}): Promise<ResearchAnswer> {
    const t0 = performance.now();
    const q = question.trim();
    if (!q) throw new ValidationError('the question is empty', { hint: 'research "<question>"' });
    const found = await this.search(q, { k: opts.k ?? 6, source: opts.source, signal: opts.signal });
    const s = await synthesize(q, found.passages, this.deps.api, {
      context: opts.context,
      selfCheck: opts.selfCheck,
      signal: opts.signal,
    });
    const out: ResearchAnswer = {
      ...s,
      question: q,
      passages: found.passages,
      embedder: found.embedder,
      notes: [...found.notes, ...s.notes],
      durationMs: round(performance.now() - t0, 1),
    };
    if (!opts.noRecord) this.record('query', q, { ...out, passages: out.passages.length }, found.embedCalls);
    return out;
  }

  /** Records a summary row (question hash, passages, model, confidence, calls, tokens, duration). */
  record(
    kind: 'query' | 'loop',
    question: string,
    a: Pick<ResearchAnswer, 'model' | 'embedder' | 'confidence' | 'usage' | 'durationMs'> & { passages: number },
    embedCalls = 0,
    sessionId?: string,
  ): void {
    this.deps.sessions.recordRun({
      ts: this.clock().toISOString(),
      kind,
      questionHash: sha256(question.toLowerCase()).slice(0, 16),
      passages: a.passages,
      model: a.model,
      embedder: a.embedder.model,
      confidence: a.confidence,
      calls: a.usage.calls + embedCalls,
      promptTokens: a.usage.promptTokens,
      completionTokens: a.usage.completionTokens,
      durationMs: a.durationMs,
      success: a.passages > 0,
      sessionId,
    });
  }

  /** Runs (or resumes) an autonomous research loop; see loop.ts. */
  autonomousResearchLoop(topic: string, opts: LoopOptions): Promise<LoopResult> {
    return autonomousResearchLoop(this, topic, opts, this.clock);
  }

  /** All sources with chunk counts. */
  sources() {
    return this.deps.repo.listSources();
  }

  /** Research loop sessions, newest first, without their stored state. */
  sessions() {
    return this.deps.sessions.list().map(({ state: _state, ...row }) => row);
  }

  /** Removes a source (exact name or a directory of sources); returns what was removed. */
  removeSource(source: string): string[] {
    this.writes++;
    const removed = this.deps.repo.removeSources(source);
    if (!removed.length)
      throw new AppError('NOT_FOUND', `no source named ${source}`, { hint: 'list them with `research sources`' });
    return removed;
  }
}
