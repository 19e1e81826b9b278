/**
 * Inverted-file (IVF) partitioning for the vector index: spherical k-means centroids, trained on
 * a deterministic sample of the stored vectors; each vector lives in the vec0 partition of its
 * nearest centroid, and a query scans only the partitions of its `nprobe` nearest centroids. This
 * is what keeps kNN fast at 100k chunks: an exact vec0 scan reads every vector (~150 MB at
 * 100k × 384-d). Pure functions, deterministic for a given input.
 */

/** Centroids as one row-major Float32Array of `clusters × dimension` unit vectors. */
export interface Centroids {
  clusters: number;
  dimension: number;
  data: Float32Array;
}

/** Partitions for a table of `rows` vectors: about sqrt(rows)/4, between 16 and 256. */
export function clusterCount(rows: number): number {
  return Math.max(16, Math.min(256, Math.round(Math.sqrt(rows) / 4)));
}

/** Partitions a query scans: a fifth of them, at least 4 (recall over speed). */
export function probeCount(clusters: number): number {
  return Math.min(clusters, Math.max(4, Math.ceil(clusters / 5)));
}

function dotAt(data: Float32Array, row: number, v: Float32Array): number {
  const off = row * v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += data[off + i]! * v[i]!;
  return s;
}

function normalizeRow(data: Float32Array, row: number, dim: number): void {
  const off = row * dim;
  let n = 0;
  for (let i = 0; i < dim; i++) n += data[off + i]! * data[off + i]!;
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < dim; i++) data[off + i]! *= inv;
  }
}

/** The cluster whose centroid is most similar (cosine) to `v`. */
export function nearestCluster(c: Centroids, v: Float32Array): number {
  let best = 0;
  let bestDot = -Infinity;
  for (let k = 0; k < c.clusters; k++) {
    const d = dotAt(c.data, k, v);
    if (d > bestDot) {
      bestDot = d;
      best = k;
    }
  }
  return best;
}

/** The `n` clusters most similar to `v`, best first. */
export function nearestClusters(c: Centroids, v: Float32Array, n: number): number[] {
  const scored = Array.from({ length: c.clusters }, (_, k) => ({ k, d: dotAt(c.data, k, v) }));
  return scored
    .sort((a, b) => b.d - a.d || a.k - b.k)
    .slice(0, n)
    .map((x) => x.k);
}

/**
 * Spherical k-means: centroids start at evenly spaced sample vectors (deterministic), each
 * iteration assigns by cosine and re-normalises the means; an empty cluster keeps its centroid.
 */
export function trainCentroids(sample: readonly Float32Array[], clusters: number, iterations = 8): Centroids {
  const dim = sample[0]?.length ?? 0;
  const k = Math.min(clusters, sample.length);
  const c: Centroids = { clusters: k, dimension: dim, data: new Float32Array(k * dim) };
  for (let j = 0; j < k; j++) c.data.set(sample[Math.floor((j * sample.length) / k)]!, j * dim);
  for (let j = 0; j < k; j++) normalizeRow(c.data, j, dim);
  const assign = new Int32Array(sample.length);
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    sample.forEach((v, i) => {
      const a = nearestCluster(c, v);
      if (a !== assign[i]) moved++;
      assign[i] = a;
    });
    if (it > 0 && moved === 0) break;
    const sums = new Float32Array(k * dim);
    const counts = new Int32Array(k);
    sample.forEach((v, i) => {
      const off = assign[i]! * dim;
      counts[assign[i]!]!++;
      for (let d = 0; d < dim; d++) sums[off + d]! += v[d]!;
    });
    for (let j = 0; j < k; j++) {
      if (!counts[j]) continue;
      c.data.set(sums.subarray(j * dim, (j + 1) * dim), j * dim);
      normalizeRow(c.data, j, dim);
    }
  }
  return c;
}
