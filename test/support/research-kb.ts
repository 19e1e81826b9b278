/** What the CLI tests of `research add` (concurrency, kill -9, Ctrl-C) build and read back. */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** `files` Markdown files under `folder`, `sections` sections each; every section names `word` and its own number. */
export function researchDocs(folder: string, files: number, sections: number, word: string): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: files }, (_, f) => [
      `${folder}/doc-${f}.md`,
      Array.from(
        { length: sections },
        (_, s) => `## ${folder} ${f}.${s}\n\nThe ${folder} ${word} number ${f * 100 + s}.\n`,
      ).join('\n'),
    ]),
  );
}

export interface VectorCoverage {
  chunks: number;
  /** Vector sets (one per embedding model). */
  sets: number;
  /** Chunks without a vector in some set. */
  missing: number;
  /** Of the first set: vector rows, its stored vector counter, rows of its sketch index. */
  vectors: number;
  counter: number;
  sketchRows: number;
  /** Chunks still claimed by a run that is embedding them. */
  claims: number;
}

/** The knowledge base's chunks and how many of them have their vectors, read from the project's local.db. */
export function vectorCoverage(cwd: string): VectorCoverage {
  const db = new Database(join(cwd, '.taskmaster', 'local.db'), { readonly: true, fileMustExist: true });
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  try {
    const chunks = count('SELECT count(*) AS n FROM research_chunks');
    const claims = count('SELECT count(*) AS n FROM research_embed_claims');
    const sets = db.prepare('SELECT name, vectors FROM research_vec_tables').all() as {
      name: string;
      vectors: number;
    }[];
    const first = sets[0];
    if (!first) return { chunks, sets: 0, missing: chunks, vectors: 0, counter: 0, sketchRows: 0, claims };
    // a chunk is covered when every vector set has its vector
    const missing = Math.max(
      ...sets.map((s) =>
        count(
          `SELECT count(*) AS n FROM research_chunks c WHERE NOT EXISTS (SELECT 1 FROM ${s.name}_vectors v WHERE v.chunk_id = c.id)`,
        ),
      ),
    );
    return {
      chunks,
      sets: sets.length,
      missing,
      vectors: count(`SELECT count(*) AS n FROM ${first.name}_vectors`),
      counter: first.vectors,
      sketchRows: count(`SELECT count(*) AS n FROM ${first.name}_sketch_rowids`),
      claims,
    };
  } finally {
    db.close();
  }
}

/** Waits until more than `covered` chunks have their vectors (the run is in the middle of embedding), or the run has ended. */
export async function untilCovered(cwd: string, child: ChildProcess, covered = 0): Promise<void> {
  for (let i = 0; i < 4000 && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 10));
    try {
      if (existsSync(join(cwd, '.taskmaster', 'local.db'))) {
        const c = vectorCoverage(cwd);
        if (c.chunks - c.missing > covered) return;
      }
    } catch {
      // the database or its tables are still being created
    }
  }
}
