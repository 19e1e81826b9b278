/** Reciprocal rank fusion of ranked id lists (vector kNN and BM25). */

/** A fused result: its score and its 1-based rank in each input list (undefined when absent). */
export interface Fused {
  id: number;
  score: number;
  ranks: (number | undefined)[];
}

/**
 * score(id) = Σ 1 / (k + rank). k = 60 is the constant of the original RRF paper: it damps the
 * head of each list so that agreement between lists matters more than one list's top rank.
 * Ties keep the order of first appearance (earlier lists first), so output is deterministic.
 */
export function reciprocalRankFusion(lists: readonly (readonly number[])[], k = 60): Fused[] {
  const byId = new Map<number, Fused>();
  const order: number[] = [];
  lists.forEach((list, li) => {
    list.forEach((id, idx) => {
      let f = byId.get(id);
      if (!f) {
        f = { id, score: 0, ranks: lists.map(() => undefined) };
        byId.set(id, f);
        order.push(id);
      }
      if (f.ranks[li] !== undefined) return; // duplicates within one list count once
      f.ranks[li] = idx + 1;
      f.score += 1 / (k + idx + 1);
    });
  });
  const pos = new Map(order.map((id, i) => [id, i]));
  return [...byId.values()].sort((a, b) => b.score - a.score || pos.get(a.id)! - pos.get(b.id)!);
}
