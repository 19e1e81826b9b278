import { createHash } from 'node:crypto';
import { writeTx, type DB } from './db.js';

/** A hand-written training pair (`finetune add`). */
export interface PairRow {
  id: number;
  input: string;
  output: string;
  createdAt: string;
}

/** SQL of fine-tuning: hand-written pairs. */
export class FinetuneRepo {
  constructor(private readonly db: DB) {}

  /** Stores a pair; the same input and output twice is one pair. Returns its id and whether it was new. */
  addPair(input: string, output: string, now = new Date()): { id: number; added: boolean } {
    const hash = createHash('sha256').update(`${input}\u0000${output}`).digest('hex');
    return writeTx(this.db, () => {
      const old = this.db.prepare('SELECT id FROM finetune_pairs WHERE hash = ?').get(hash) as
        | { id: number }
        | undefined;
      if (old) return { id: old.id, added: false };
      const r = this.db
        .prepare('INSERT INTO finetune_pairs (hash, input, output, created_at) VALUES (?, ?, ?, ?)')
        .run(hash, input, output, now.toISOString());
      return { id: Number(r.lastInsertRowid), added: true };
    });
  }

  pairs(): PairRow[] {
    return (
      this.db.prepare('SELECT id, input, output, created_at FROM finetune_pairs ORDER BY id').all() as {
        id: number;
        input: string;
        output: string;
        created_at: string;
      }[]
    ).map((r) => ({ id: r.id, input: r.input, output: r.output, createdAt: r.created_at }));
  }
}
