import { describe, expect, it } from 'vitest';
import {
  clusterCount,
  nearestCluster,
  nearestClusters,
  probeCount,
  trainCentroids,
} from '../../../src/research/ivf.js';
import { openDatabase } from '../../../src/storage/db.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';

// Unit vectors around `topics` well-separated directions in 16-d, deterministic.
function blobs(topics: number, per: number): { v: Float32Array; topic: number }[] {
  let s = 7;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  const out: { v: Float32Array; topic: number }[] = [];
  for (let t = 0; t < topics; t++) {
    for (let i = 0; i < per; i++) {
      const v = new Float32Array(16);
      v[t] = 1;
      for (let d = 0; d < 16; d++) v[d]! += 0.15 * rnd();
      const n = Math.hypot(...v);
      out.push({ v: v.map((x) => x / n), topic: t });
    }
  }
  return out;
}

describe('IVF', () => {
  it('k-means separates well-separated topics and is deterministic', () => {
    const data = blobs(3, 40);
    const c = trainCentroids(
      data.map((d) => d.v),
      3,
    );
    const byTopic = [0, 1, 2].map((t) => new Set(data.filter((d) => d.topic === t).map((d) => nearestCluster(c, d.v))));
    for (const s of byTopic) expect(s.size).toBe(1);
    expect(new Set(byTopic.map((s) => [...s][0])).size).toBe(3);
    expect(
      trainCentroids(
        data.map((d) => d.v),
        3,
      ).data,
    ).toEqual(c.data);
    expect(nearestClusters(c, data[0]!.v, 2)[0]).toBe(nearestCluster(c, data[0]!.v));
  });

  it('sizes clusters and probes with the table', () => {
    expect(clusterCount(1000)).toBe(16);
    expect(clusterCount(100_000)).toBe(79);
    expect(clusterCount(10_000_000)).toBe(256);
    expect(probeCount(79)).toBe(16);
    expect(probeCount(16)).toBe(4);
  });

  it('a partitioned table finds the same neighbours as an exact scan after the build', () => {
    const db = openDatabase(':memory:');
    const repo = new ResearchRepo(db);
    const data = blobs(16, 20);
    const { sourceId, chunkIds } = repo.replaceSource(
      { source: 'a.md', kind: 'file', hash: 'h', bytes: 1 },
      data.map((_d, i) => ({ ord: i, startLine: i + 1, endLine: i + 1, heading: '', text: `chunk ${i}` })),
    );
    const { table } = repo.ensureVecTable('m', 16);
    repo.insertVectors(
      table,
      data.map((d, i) => ({ chunkId: chunkIds[i]!, sourceId, vector: d.v })),
    );
    const exact = data.slice(0, 40).map((d) => repo.knn(table, d.v, 5).map((r) => r.id));
    expect(repo.maybeBuildIvf(table, 10_000)).toBe(false);
    expect(repo.maybeBuildIvf(table, 100)).toBe(true);
    expect(repo.ivf(table)!.clusters).toBe(16);
    expect(repo.maybeBuildIvf(table, 100)).toBe(false); // no 4x growth yet
    const approx = data.slice(0, 40).map((d) => repo.knn(table, d.v, 5).map((r) => r.id));
    expect(approx).toEqual(exact);
    expect(db.prepare(`SELECT count(*) AS n FROM ${table.name}`).get()).toEqual({ n: data.length });
    // vectors added after the build go to their cluster's partition and are found
    const extra = repo.replaceSource({ source: 'b.md', kind: 'file', hash: 'h2', bytes: 1 }, [
      { ord: 0, startLine: 1, endLine: 1, heading: '', text: 'x' },
    ]);
    repo.insertVectors(table, [{ chunkId: extra.chunkIds[0]!, sourceId: extra.sourceId, vector: data[3]!.v }]);
    expect(repo.knn(table, data[3]!.v, 2).map((r) => r.id)).toEqual(
      expect.arrayContaining([extra.chunkIds[0], chunkIds[3]]),
    );
    db.close();
  });
});
