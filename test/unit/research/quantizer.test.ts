import { describe, expect, it } from 'vitest';
import { Sketcher, hammingDistances, meanVector, sketchWords } from '../../../src/research/quantizer.js';
import { openDatabase } from '../../../src/storage/db.js';
import { offlineEmbedOne } from '../../../src/research/offline-embedder.js';
import { mulberry32 } from '../../../src/util/rng.js';

const hamming = (a: Uint8Array, b: Uint8Array) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
};
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('Sketcher', () => {
  it('is deterministic and sized in bits', () => {
    const v = offlineEmbedOne('session cache expiry');
    const a = new Sketcher(384, 1024).sketch(v);
    expect(a).toHaveLength(128);
    expect(new Sketcher(384, 1024).sketch(v)).toEqual(a);
    expect(new Sketcher(384, 1024, null, 7).sketch(v)).not.toEqual(a);
    expect(() => new Sketcher(384, 1001)).toThrow(/multiple of 8/);
    expect(() => new Sketcher(384).sketch(new Float32Array(10))).toThrow(/dimension 10/);
  });

  it('Hamming distance estimates the angle, also for sparse vectors (where raw sign bits say nothing)', () => {
    const s = new Sketcher(384, 1024);
    const rnd = mulberry32(3);
    for (const cos of [0.95, 0.7, 0.3, 0]) {
      // a unit vector and one at a known angle to it, both sparse (12 non-zero coordinates)
      const a = new Float32Array(384);
      const b = new Float32Array(384);
      for (let i = 0; i < 12; i++) {
        a[Math.floor(rnd() * 192)] = rnd() - 0.5;
        b[192 + Math.floor(rnd() * 192)] = rnd() - 0.5;
      }
      const ua = unit(a);
      const ub = unit(b);
      const c = ua.map((x, i) => cos * x + Math.sqrt(1 - cos * cos) * ub[i]!);
      const estimate = (hamming(s.sketch(ua, true), s.sketch(c, true)) / 1024) * Math.PI;
      expect(Math.abs(estimate - Math.acos(cos))).toBeLessThan(0.12);
    }
  });

  it('centres stored vectors on the mean but never the query', () => {
    const docs = ['alpha beta', 'alpha gamma', 'alpha delta'].map((t) => offlineEmbedOne(t));
    const mean = meanVector(docs, 384)!;
    expect(mean[0]).toBeCloseTo((docs[0]![0]! + docs[1]![0]! + docs[2]![0]!) / 3, 6);
    const centred = new Sketcher(384, 1024, mean);
    const plain = new Sketcher(384, 1024);
    expect(centred.sketch(docs[0]!)).not.toEqual(plain.sketch(docs[0]!));
    expect(centred.sketch(docs[0]!, true)).toEqual(plain.sketch(docs[0]!));
    expect(meanVector([], 384)).toBeNull();
  });

  it('hammingDistances agrees with sqlite-vec on every sketch of a batch, at any byte offset', () => {
    const db = openDatabase(':memory:');
    try {
      const s = new Sketcher(384, 1024);
      const rnd = mulberry32(9);
      const sketches = Array.from({ length: 50 }, () =>
        s.sketch(
          Float32Array.from({ length: 384 }, () => rnd() - 0.5),
          true,
        ),
      );
      const query = s.sketch(offlineEmbedOne('session cache expiry'), true);
      // one spare byte in front: the batch is not 4-byte aligned where it starts
      const batch = Buffer.concat([Buffer.from([7]), ...sketches]).subarray(1);
      const got = [...hammingDistances(query, sketchWords(batch))];
      const want = sketches.map(
        (x) =>
          (
            db
              .prepare('SELECT vec_distance_hamming(vec_bit(?), vec_bit(?)) AS d')
              .get(Buffer.from(query), Buffer.from(x)) as {
              d: number;
            }
          ).d,
      );
      expect(got).toEqual(want);
      expect(new Set(got).size).toBeGreaterThan(10);
      expect(() => hammingDistances(query, sketchWords(batch.subarray(0, 100)))).toThrow(/whole/);
    } finally {
      db.close();
    }
  });
});
