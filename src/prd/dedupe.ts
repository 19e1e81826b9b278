import { sameWork, TitleIndex } from './plan.js';

/**
 * Which tasks survive duplicate merging, decided one task at a time in plan order: a task is dropped
 * when it names the same work as a task kept before it (mergeDuplicates' rule, first occurrence wins).
 * Incremental, so the pipelined run can decide it for each task as soon as the tasks before it are
 * known; the kept titles are indexed by word, so a 500-task plan compares each task only with the kept
 * ones that share a word with it.
 */
export class KeptTitles {
  private readonly kept = new TitleIndex();
  private readonly memo = new WeakMap<object, boolean[]>();

  /** Adds a final list (an earlier chunk's answer): its kept titles join the set. */
  addAll(titles: string[]): void {
    for (const t of titles) if (!this.isDupOfKept(t, [])) this.kept.add(t);
  }

  /**
   * Whether item i of `list` is a duplicate, given this set and the items before it in the same list.
   * Memoised per list object (lists only grow while an answer streams).
   */
  isDup(list: readonly { title: string }[], i: number): boolean {
    let flags = this.memo.get(list);
    if (!flags) this.memo.set(list, (flags = []));
    for (let j = flags.length; j <= i; j++) {
      const before = list
        .slice(0, j)
        .filter((_x, k) => !flags![k])
        .map((x) => x.title);
      flags.push(this.isDupOfKept(list[j]!.title, before));
    }
    return flags[i]!;
  }

  private isDupOfKept(title: string, alsoKept: string[]): boolean {
    return this.kept.first(title) !== undefined || alsoKept.some((k) => sameWork(k, title));
  }
}
