/**
 * LocalRAGSystem: the research knowledge base and its questions. Everything it touches is
 * injected (model API, repositories, clock, progress callback), so it runs the same in the CLI,
 * in tests against the fake server and in the benchmark with the offline embedder.
 */
import { AppError, abortedError, ValidationError, isAbortError } from '../errors.js';
import { ResearchClaimRepo } from '../storage/research-claim-repo.js';
import { ResearchVectorRepo, type VecSet } from '../storage/research-vector-repo.js';
import { DETAIL, synthesize, type Passage } from './answer.js';
import { chunkText, isMarkdownPath } from './chunker.js';
import { ResearchEmbedder, emptyKnowledgeBase } from './embedder.js';
import { ftsMatch, ftsTerms, quoteFtsToken } from './fts-query.js';
import { reciprocalRankFusion } from './fusion.js';
import { Indexer, type EmbedRun } from './indexer.js';
import { collectFiles, readTextFile } from './ingest.js';
import { autonomousResearchLoop, type LoopOptions, type LoopResult } from './loop.js';
import { OFFLINE_DIMENSION, OFFLINE_MODEL } from './offline-embedder.js';
import { round, sha256 } from './text.js';
import type {
  AddResult,
  EmbedderInfo,
  NoteInput,
  QueryOptions,
  RAGDeps,
  ResearchAnswer,
  SearchFilter,
  SearchOptions,
  SearchResult,
} from './types.js';
import { VectorIndex } from './vector-index.js';

export type {
  AddResult,
  EmbedderInfo,
  NoteInput,
  QueryOptions,
  RAGDeps,
  ResearchAnswer,
  SearchOptions,
  SearchResult,
} from './types.js';

const MAX_CATEGORY = 80;

/** The local RAG system (see module comment). */
export class LocalRAGSystem {
  readonly embedder: ResearchEmbedder;
  readonly index: VectorIndex;
  private readonly indexer: Indexer;
  private readonly clock: () => Date;
  private embedCalls = 0;

  constructor(readonly deps: RAGDeps) {
    this.embedder = new ResearchEmbedder(deps.api, deps.embedder);
    this.clock = deps.clock ?? (() => new Date());
    const db = deps.repo.db;
    this.index = new VectorIndex(deps.vectors ?? new ResearchVectorRepo(db), deps.vectorIndex);
    this.indexer = new Indexer(
      deps.repo,
      this.index,
      deps.claims ?? new ResearchClaimRepo(db),
      this.embedder,
      deps.onProgress,
    );
  }

  private info(model: string): EmbedderInfo {
    return { model, offline: this.embedder.isOffline, reason: this.embedder.fallbackReason };
  }

  /**
   * Adds files, directories and globs: unchanged files are no-ops, changed ones replace their
   * chunks; then every chunk without a vector (this add's, or what an interrupted run left) is
   * embedded. Interrupted (`signal`), it keeps what it wrote and says so (AppError ABORTED).
   */
  async addSources(paths: readonly string[], opts: { cwd?: string; signal?: AbortSignal } = {}): Promise<AddResult> {
    if (!paths.length) throw new ValidationError('no paths given', { hint: 'research add <dir|file|glob>...' });
    const { files, skipped } = collectFiles(paths, this.deps.root, opts.cwd ?? this.deps.root);
    const res = emptyResult(skipped);
    return this.ingestAndEmbed(res, opts.signal, () => {
      files.forEach((f, i) => {
        opts.signal?.throwIfAborted();
        this.deps.onProgress?.({ type: 'ingest', done: i, total: files.length, source: f.rel });
        const r = readTextFile(f.abs);
        if (!r.ok) return void res.skipped.push({ path: f.rel, reason: r.reason });
        this.ingest({ source: f.rel, kind: 'file', text: r.text, bytes: r.bytes }, res);
      });
      this.deps.onProgress?.({ type: 'ingest', done: files.length, total: files.length });
    });
  }

  /**
   * Adds hand-written knowledge, optionally filed under a category; `source` defaults to
   * `note:<title>`. Also callable as the specification's `addExternalKnowledge(title, content, category)`.
   */
  async addExternalKnowledge(note: NoteInput, opts?: { signal?: AbortSignal }): Promise<AddResult>;
  async addExternalKnowledge(title: string, content: string, category?: string): Promise<AddResult>;
  async addExternalKnowledge(
    note: NoteInput | string,
    second?: string | { signal?: AbortSignal },
    category?: string,
  ): Promise<AddResult> {
    const k: NoteInput =
      typeof note === 'string' ? { title: note, content: typeof second === 'string' ? second : '', category } : note;
    const signal = typeof second === 'object' ? second.signal : undefined;
    if (!k.title.trim() || !k.content.trim()) {
      throw new ValidationError('a note needs a title and some text', {
        hint: 'research add --note "<title>" "<text>" [category]',
      });
    }
    const cat = checkCategory(k.category);
    const res = emptyResult([]);
    const title = k.title.trim();
    const body = `# ${title}\n\n${k.content.trim()}\n`;
    return this.ingestAndEmbed(res, signal, () =>
      this.ingest(
        {
          source: k.source ?? `note:${title}`,
          kind: 'note',
          title,
          category: cat,
          text: body,
          bytes: Buffer.byteLength(body),
        },
        res,
      ),
    );
  }

  private async ingestAndEmbed(res: AddResult, signal: AbortSignal | undefined, write: () => void): Promise<AddResult> {
    const run: EmbedRun = { embedded: 0, calls: 0 };
    try {
      this.indexer.owner.ensure();
      write();
      const set = res.chunks ? undefined : this.currentSet();
      const noSets = !this.index.repo.sets().length;
      await this.indexer.run({ set, fillWithoutSet: noSets, notes: res.notes, signal, total: res.chunks, out: run });
    } catch (e) {
      this.indexer.owner.release();
      if (signal?.aborted || isAbortError(e)) throw interrupted(res, run.embedded);
      throw e;
    }
    this.embedCalls += run.calls;
    res.embedCalls = run.calls;
    res.embedded = run.embedded;
    if (run.set || res.chunks) res.embedder = this.info(run.set?.model ?? '');
    return res;
  }

  // The set an add with nothing new checks for chunks without a vector: the offline set when the
  // offline embedder is selected, else the largest set (the model in use).
  private currentSet(): VecSet | undefined {
    const sets = this.index.repo.sets();
    if (this.embedder.isOffline)
      return sets.find((s) => s.model === OFFLINE_MODEL && s.dimension === OFFLINE_DIMENSION);
    return sets.sort((a, b) => b.vectors - a.vectors)[0];
  }

  private ingest(
    s: { source: string; kind: 'file' | 'note'; title?: string; category?: string; text: string; bytes: number },
    res: AddResult,
  ): void {
    const hash = sha256(s.text);
    const old = this.deps.repo.getSource(s.source);
    if (old && old.hash === hash && old.category === (s.category ?? null)) return void res.unchanged.push(s.source);
    const chunks = chunkText(s.text, { markdown: s.kind === 'note' || isMarkdownPath(s.source) });
    if (!chunks.length) return void res.skipped.push({ path: s.source, reason: 'no text' });
    this.deps.repo.replaceSource({ ...s, hash }, chunks, this.indexer.owner.id);
    (old ? res.updated : res.added).push(s.source);
    res.chunks += chunks.length;
  }

  /** Source ids a filter allows (undefined: no filter); NOT_FOUND when a filter matches nothing. */
  private filterIds(f: SearchFilter): number[] | undefined {
    let ids: number[] | undefined;
    if (f.source) {
      ids = this.deps.repo.sourceIds(f.source);
      if (!ids.length)
        throw new AppError('NOT_FOUND', `no source named ${f.source}`, { hint: 'list them with `research sources`' });
    }
    if (f.category !== undefined) {
      const cat = checkCategory(f.category)!;
      const inCat = this.deps.repo.sourceIdsOfCategory(cat);
      if (!inCat.length) {
        const known = this.deps.repo.categories().map((c) => c.category);
        throw new AppError('NOT_FOUND', `no source in category ${cat}`, {
          hint: known.length
            ? `categories in use: ${known.join(', ')}`
            : 'add notes with a category: research add --note <title> <text> <category>',
        });
      }
      ids = ids ? ids.filter((id) => inCat.includes(id)) : inCat;
    }
    return ids;
  }

  /** Hybrid search: vector kNN and BM25, fused by reciprocal rank; filters by source or category. */
  async search(query: string, opts: SearchOptions = {}): Promise<SearchResult> {
    const k = Math.max(1, Math.min(opts.k ?? 8, 100));
    if (!this.deps.repo.hasChunks()) throw emptyKnowledgeBase();
    const match = this.ftsQuery(query);
    if (!match)
      throw new ValidationError(`the query "${query}" has no words to search for`, {
        hint: 'use words or numbers in the query',
      });
    const sourceIds = this.filterIds(opts);
    const notes: string[] = [];
    const e = await this.embedder.embed([query], opts.signal);
    let calls = e.calls;
    let set = this.index.ensure(e.model, e.dimension, notes);
    if (this.deps.repo.countChunks() > set.vectors) {
      const run = await this.indexer.run({ set, notes, signal: opts.signal });
      calls += run.calls;
      set = run.set ?? set;
    }
    this.embedCalls += calls;
    const qv = e.vectors[0]!;
    const within = sourceIds ? this.deps.repo.chunkIdsOfSources(sourceIds) : undefined;
    // Fusion only needs the heads of both lists.
    const vec = this.index.search(set, qv, Math.max(k * 2, 20), within);
    const fts = this.deps.repo.fts(match, Math.max(k * 4, 40), sourceIds);
    const fused = reciprocalRankFusion([vec.map((v) => v.id), fts.map((f) => f.id)]).slice(0, k);
    const ids = fused.map((f) => f.id);
    const dist = new Map(vec.map((v) => [v.id, v.distance]));
    for (const d of this.index.distances(
      set,
      qv,
      ids.filter((id) => !dist.has(id)),
    ))
      dist.set(d.id, d.distance);
    const bm = new Map(fts.map((f) => [f.id, f.score]));
    const passages: Passage[] = this.deps.repo.chunks(ids).map((c, i) => {
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
    return { query, passages, embedder: this.info(e.model), embedCalls: calls, notes };
  }

  // Terms found in more than a tenth of the chunks (at least 500) are dropped when rarer terms
  // remain: BM25 would score every chunk containing them, and they barely change the ranking.
  private ftsQuery(query: string): string | null {
    const terms = ftsTerms(query);
    if (terms.length < 2) return terms.length ? ftsMatch(terms) : null;
    const cap = Math.max(500, Math.floor(this.deps.repo.maxChunkId() / 10));
    const df = terms.map((t) => ({ t, n: this.deps.repo.matchCount(quoteFtsToken(t), cap) }));
    const kept = df.filter((x) => x.n < cap).map((x) => x.t);
    return ftsMatch(kept.length ? kept : terms);
  }

  /** Retrieves, then answers with citations and a confidence; records a summary row. */
  async researchQuery(question: string, opts: QueryOptions = {}): Promise<ResearchAnswer> {
    const t0 = performance.now();
    const q = question.trim();
    if (!q) throw new ValidationError('the question is empty', { hint: 'research "<question>"' });
    // With a context, an empty knowledge base is not an error: the answer rests on the context alone.
    const fromContext = !!opts.context?.trim() && !this.deps.repo.hasChunks();
    const found: SearchResult = fromContext
      ? {
          query: q,
          passages: [],
          embedder: { model: 'none', offline: true, reason: 'empty knowledge base' },
          embedCalls: 0,
          notes: ['the knowledge base is empty: answered from the given context alone (no citations)'],
        }
      : await this.search(q, { k: opts.k ?? 6, source: opts.source, category: opts.category, signal: opts.signal });
    const detail = DETAIL[opts.detail ?? 'medium'];
    const s = await synthesize(q, found.passages, this.deps.api, {
      context: opts.context,
      selfCheck: opts.selfCheck,
      signal: opts.signal,
      maxSentences: detail.sentences,
      perPassage: detail.perPassage,
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
  autonomousResearchLoop(topic: string, opts: LoopOptions | number = {}): Promise<LoopResult> {
    const o = typeof opts === 'number' ? { iterations: opts } : opts;
    return autonomousResearchLoop(this, topic, o, this.clock);
  }

  /** All sources with chunk counts (one category's with `category`). */
  sources(opts: { category?: string } = {}) {
    return this.deps.repo.listSources({ category: checkCategory(opts.category) });
  }

  /** Research loop sessions, newest first, without their stored state. */
  sessions() {
    return this.deps.sessions.list().map(({ state: _state, ...row }) => row);
  }

  /** Removes a source (exact name or a directory of sources); returns what was removed. */
  removeSource(source: string): string[] {
    const removed = this.deps.repo.removeSources(source);
    if (!removed.length)
      throw new AppError('NOT_FOUND', `no source named ${source}`, { hint: 'list them with `research sources`' });
    return removed;
  }
}

function emptyResult(skipped: AddResult['skipped']): AddResult {
  return { added: [], updated: [], unchanged: [], skipped, chunks: 0, embedded: 0, embedCalls: 0, notes: [] };
}

function checkCategory(c: string | undefined): string | undefined {
  if (c === undefined) return undefined;
  const t = c.trim();
  if (!t || t.length > MAX_CATEGORY || /[\r\n]/.test(t))
    throw new ValidationError(`invalid category "${c.slice(0, 40)}"`, {
      hint: `a category is one line of 1-${MAX_CATEGORY} characters, e.g. domain_expertise`,
    });
  return t;
}

// What an interrupted add kept: committed sources stay, their chunks without a vector are
// embedded by the next add or search (their claims were released).
function interrupted(res: AddResult, embedded: number): AppError {
  const kept = res.added.length + res.updated.length;
  const rest = Math.max(0, res.chunks - embedded);
  return abortedError(
    undefined,
    `interrupted: kept ${kept} new or changed source${kept === 1 ? '' : 's'} (${res.chunks} chunks, ${embedded} vector${embedded === 1 ? '' : 's'} stored${rest ? `; ${rest} chunk${rest === 1 ? ' waits' : 's wait'} for a vector` : ''})`,
    'run the same `research add` again: unchanged files are skipped and chunks without a vector are embedded',
    { kept: [...res.added, ...res.updated], chunks: res.chunks, embedded },
  );
}
