/**
 * SQL for embedding claims: which process is embedding which chunk. A process registers as an
 * owner (host, pid, heartbeat), claims chunks in the same write transaction that finds them
 * without a vector, and loses its claims when the vectors are stored (insertVectors) or when it
 * releases them. Another process that finds an owner dead drops it, which frees its claims.
 */
import type { DB } from './db.js';
import { writeTx } from './db.js';
import type { ChunkRow } from './research-repo.js';
import type { VecSet } from './research-vector-repo.js';

/** A registered embedding process. */
export interface OwnerRow {
  owner: string;
  host: string;
  pid: number;
  heartbeat_at: number;
}

/** Repository for embedding owners and claims. */
export class ResearchClaimRepo {
  constructor(readonly db: DB) {}

  registerOwner(o: OwnerRow): void {
    writeTx(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO research_embed_owners (owner, host, pid, heartbeat_at) VALUES (@owner, @host, @pid, @heartbeat_at)
           ON CONFLICT(owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
        )
        .run(o);
    });
  }

  heartbeat(owner: string, at: number): void {
    writeTx(this.db, () => {
      this.db.prepare('UPDATE research_embed_owners SET heartbeat_at = ? WHERE owner = ?').run(at, owner);
    });
  }

  owners(): OwnerRow[] {
    return this.db.prepare('SELECT * FROM research_embed_owners ORDER BY owner').all() as OwnerRow[];
  }

  /** Removes owners (their claims go with them by cascade); returns how many claims were freed. */
  dropOwners(owners: readonly string[]): number {
    if (!owners.length) return 0;
    return writeTx(this.db, () => {
      const list = JSON.stringify(owners);
      const freed = (
        this.db
          .prepare('SELECT count(*) AS n FROM research_embed_claims WHERE owner IN (SELECT value FROM json_each(?))')
          .get(list) as { n: number }
      ).n;
      this.db.prepare('DELETE FROM research_embed_owners WHERE owner IN (SELECT value FROM json_each(?))').run(list);
      return freed;
    });
  }

  /**
   * In one write transaction: finds up to `limit` chunks (id > `afterId`, ascending) that have no
   * vector in `set` (without a set: any chunk) and no claim, claims them for `owner`, returns them.
   */
  claimPending(set: VecSet | undefined, owner: string, limit: number, afterId = 0): ChunkRow[] {
    const noVector = set ? `AND NOT EXISTS (SELECT 1 FROM ${set.name}_vectors v WHERE v.chunk_id = c.id)` : '';
    return writeTx(this.db, () => {
      const rows = this.db
        .prepare(
          `SELECT c.*, s.source FROM research_chunks c JOIN research_sources s ON s.id = c.source_id
           WHERE c.id > ? ${noVector}
             AND NOT EXISTS (SELECT 1 FROM research_embed_claims k WHERE k.chunk_id = c.id)
           ORDER BY c.id LIMIT ?`,
        )
        .all(afterId, limit) as ChunkRow[];
      const claim = this.db.prepare('INSERT INTO research_embed_claims (chunk_id, owner, claimed_at) VALUES (?, ?, ?)');
      const at = Date.now();
      for (const r of rows) claim.run(r.id, owner, at);
      return rows;
    });
  }

  /** Chunks `owner` has claimed and not yet stored a vector for, ascending (its own new chunks first of all). */
  claimedBy(owner: string, limit: number, afterId = 0): ChunkRow[] {
    return this.db
      .prepare(
        `SELECT c.*, s.source FROM research_embed_claims k
         JOIN research_chunks c ON c.id = k.chunk_id JOIN research_sources s ON s.id = c.source_id
         WHERE k.owner = ? AND k.chunk_id > ? ORDER BY k.chunk_id LIMIT ?`,
      )
      .all(owner, afterId, limit) as ChunkRow[];
  }

  /** Claims held by owners other than `owner` (chunks another process is embedding right now). */
  claimsOfOthers(owner: string): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM research_embed_claims WHERE owner != ?').get(owner) as { n: number }
    ).n;
  }

  /** Drops the owner and whatever it still claims (end of a run, or an interrupted one). */
  release(owner: string): void {
    this.dropOwners([owner]);
  }
}
