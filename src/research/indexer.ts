/**
 * Embedding runs: turns chunks without a vector into vectors, safely from any number of
 * processes at once. A chunk is embedded only by the process that holds its claim: an add claims
 * its new chunks in the transaction that writes them; anything else without a vector (left by a
 * process that died, or never embedded with the current model) is claimed in a write transaction
 * before it is embedded. Stored vectors are inserted idempotently, so even a claim taken over from
 * a hung process costs at most one duplicate embedding, never an error.
 */
import type { ProgressEvent } from '../models/types.js';
import type { ResearchClaimRepo } from '../storage/research-claim-repo.js';
import type { ChunkRow, ResearchRepo } from '../storage/research-repo.js';
import type { VecSet } from '../storage/research-vector-repo.js';
import { EmbedOwner } from './claims.js';
import type { ResearchEmbedder } from './embedder.js';
import { embedText } from './text.js';
import type { VectorIndex } from './vector-index.js';

/** What a run embedded and where the vectors went. */
export interface EmbedRun {
  set?: VecSet;
  /** Vectors stored by this run. */
  embedded: number;
  /** Embed calls made. */
  calls: number;
}

/** The research module's embedding worker for one database. */
export class Indexer {
  readonly owner: EmbedOwner;

  constructor(
    private readonly repo: ResearchRepo,
    private readonly index: VectorIndex,
    private readonly claims: ResearchClaimRepo,
    private readonly embedder: ResearchEmbedder,
    private readonly onProgress?: (e: ProgressEvent) => void,
  ) {
    this.owner = new EmbedOwner(claims);
  }

  /** Chunks a batch of this size at a time through the DB: ~1024, whole embed batches. */
  groupSize(): number {
    const b = this.embedder.batchSize;
    return b * Math.max(1, Math.ceil(1024 / b));
  }

  /**
   * Embeds this owner's claimed chunks (an add's new chunks), then whatever else has no vector in
   * the set (`set`, or the one the first embedding picks), taking over claims of dead processes.
   * Claims still held when it ends (error, abort) are released for others.
   */
  async run(opts: {
    set?: VecSet;
    /** Fill even when no set is known yet (no vector set exists at all). */
    fillWithoutSet?: boolean;
    notes: string[];
    signal?: AbortSignal;
    total?: number;
    /** Filled as the run goes, so an interrupted caller still knows what was stored. */
    out?: EmbedRun;
  }): Promise<EmbedRun> {
    const out: EmbedRun = opts.out ?? { embedded: 0, calls: 0 };
    out.set ??= opts.set;
    const g = this.groupSize();
    const progress = { done: 0, total: opts.total ?? 0 };
    try {
      for (let after = 0; ; ) {
        const own = this.claims.claimedBy(this.owner.id, g, after);
        if (!own.length) break;
        await this.embedRows(own, out, opts, progress);
        after = own[own.length - 1]!.id;
      }
      if (out.set || opts.fillWithoutSet) await this.fill(out, opts, progress);
      return out;
    } finally {
      this.owner.release();
    }
  }

  // Claims and embeds chunks without a vector in the run's set (without a set yet: any chunk;
  // the first embedding picks the set), group by group.
  private async fill(
    out: EmbedRun,
    opts: { notes: string[]; signal?: AbortSignal },
    progress: { done: number; total: number },
  ): Promise<void> {
    if (out.set) out.set = this.index.maintain(out.set);
    const missing = () => this.repo.countChunks() - (out.set ? (this.index.repo.set(out.set.name)?.vectors ?? 0) : 0);
    if (missing() <= 0) return;
    const freed = this.owner.reapDead();
    if (freed) opts.notes.push(`took over ${freed} chunks an interrupted run had claimed`);
    // nothing to claim when every missing vector is another live process's work in progress
    if (missing() <= this.owner.othersClaims()) return this.noteOthers(opts.notes);
    this.owner.ensure();
    const g = this.groupSize();
    let announced = false;
    for (let after = 0; ; ) {
      const rows = this.claims.claimPending(out.set, this.owner.id, g, after);
      if (!rows.length) break;
      if (!announced) {
        const n = missing();
        opts.notes.push(
          out.set ? `re-embedding ${n} chunks with ${out.set.model}` : `embedding ${n} chunks that had no vector`,
        );
        progress.total += n;
        announced = true;
      }
      await this.embedRows(rows, out, opts, progress);
      after = rows[rows.length - 1]!.id;
    }
    this.noteOthers(opts.notes);
  }

  private noteOthers(notes: string[]): void {
    const others = this.owner.othersClaims();
    if (others)
      notes.push(`${others} chunks are being embedded by another process; until then they are found by their words`);
  }

  // One embed call per batch, its vectors stored at once: an interrupted run loses at most the
  // batch in flight, and progress moves batch by batch.
  private async embedRows(
    rows: readonly ChunkRow[],
    out: EmbedRun,
    opts: { notes: string[]; signal?: AbortSignal },
    progress: { done: number; total: number },
  ): Promise<void> {
    const b = this.embedder.batchSize;
    for (let i = 0; i < rows.length; i += b) {
      const batch = rows.slice(i, i + b);
      opts.signal?.throwIfAborted();
      this.owner.ensure();
      const e = await this.embedder.embed(
        batch.map((c) => embedText(c.heading, c.text)),
        opts.signal,
      );
      out.calls += e.calls;
      const set =
        out.set && out.set.model === e.model && out.set.dimension === e.dimension
          ? out.set
          : this.index.ensure(e.model, e.dimension, opts.notes);
      out.embedded += this.index.insert(
        set,
        batch.map((c, j) => ({ chunkId: c.id, vector: e.vectors[j]! })),
      );
      out.set = this.index.maintain(set);
      progress.done += batch.length;
      this.onProgress?.({
        type: 'embed',
        done: progress.done,
        total: Math.max(progress.total, progress.done),
        model: e.model,
      });
    }
  }
}
