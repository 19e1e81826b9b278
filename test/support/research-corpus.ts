/**
 * A generated knowledge base with topical structure (as bench/research.bench.mjs builds at scale):
 * a Zipf-like vocabulary, topics of 400 words, chunks of ~50 words, 70% from their file's topic.
 * Deterministic for a seed. Queries are a few longer words of a random chunk.
 */
import { offlineEmbedOne } from '../../src/research/offline-embedder.js';
import { embedText } from '../../src/research/text.js';
import type { VectorIndex } from '../../src/research/vector-index.js';
import type { ResearchRepo } from '../../src/storage/research-repo.js';
import type { VecSet } from '../../src/storage/research-vector-repo.js';
import { mulberry32 } from '../../src/util/rng.js';

export interface GeneratedCorpus {
  /** [heading, text] per chunk, 100 chunks per file. */
  files: [string, string][][];
  queries: string[];
}

export function generateCorpus(chunks: number, queries: number, seed = 42): GeneratedCorpus {
  const rand = mulberry32(seed);
  const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'po', 'qua', 'der', 'lin', 'mor', 'tes'];
  const vocab = Array.from({ length: 5000 }, (_, i) => {
    let w = '';
    let n = i + 1;
    do {
      w += syll[n % syll.length];
      n = Math.floor(n / syll.length);
    } while (n > 0);
    return w;
  });
  const zipf = (words: string[]) =>
    words[Math.min(words.length - 1, Math.floor(Math.exp(rand() * Math.log(words.length))) - 1)]!;
  const topics = Array.from({ length: 40 }, () =>
    Array.from({ length: 400 }, () => vocab[Math.floor(rand() * vocab.length)]!),
  );
  const sentence = (topic: string[], n: number) =>
    `${Array.from({ length: n }, () => (rand() < 0.7 ? zipf(topic) : zipf(vocab))).join(' ')}.`;
  const files: [string, string][][] = [];
  for (let f = 0; f * 100 < chunks; f++) {
    const topic = topics[f % topics.length]!;
    const list: [string, string][] = [];
    for (let s = 0; s < 100 && f * 100 + s < chunks; s++)
      list.push([
        `Section ${f}-${s} ${zipf(topic)}`,
        `${sentence(topic, 12)} ${sentence(topic, 14)} ${sentence(topic, 10)}`,
      ]);
    files.push(list);
  }
  const all = files.flat();
  const qs = Array.from({ length: queries }, () => {
    const [, text] = all[Math.floor(rand() * all.length)]!;
    return text
      .split(/\W+/)
      .filter((w) => w.length > 5)
      .slice(0, 4)
      .join(' ');
  });
  return { files, queries: qs };
}

/** Stores generated file `f` as source doc-<f>.md with its chunks' offline vectors in `set`; returns the set as maintained after. */
export function indexCorpusFile(
  repo: ResearchRepo,
  index: VectorIndex,
  set: VecSet,
  f: number,
  file: [string, string][],
): VecSet {
  const { chunkIds } = repo.replaceSource(
    { source: `doc-${f}.md`, kind: 'file', hash: `h${f}`, bytes: 1 },
    file.map(([h, t], i) => ({ ord: i, startLine: i, endLine: i, heading: h, text: t })),
  );
  index.insert(
    set,
    file.map(([h, t], i) => ({ chunkId: chunkIds[i]!, vector: offlineEmbedOne(embedText(h, t)) })),
  );
  return index.maintain(set);
}
