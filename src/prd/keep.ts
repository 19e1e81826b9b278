/**
 * Whether a node's answer belongs to the plan. Known at once for work asked from a final answer; known
 * later for work started speculatively from a streamed element, when the answer it came from is
 * validated (kept if that answer still holds the same element, discarded otherwise). A speculative
 * node's checkpoint, progress events and place in the tree all wait for its verdict.
 */
export class Keep {
  private value: boolean | undefined;
  private readonly waiters: ((v: boolean) => void)[] = [];

  private constructor() {}

  /** Work asked from a final answer: kept. */
  static yes(): Keep {
    const k = new Keep();
    k.value = true;
    return k;
  }

  /** Undecided until settle(). */
  static pending(): Keep {
    return new Keep();
  }

  /** The verdict, or undefined while undecided. */
  get known(): boolean | undefined {
    return this.value;
  }

  /** Decides once; later calls are ignored. */
  settle(v: boolean): void {
    if (this.value !== undefined) return;
    this.value = v;
    for (const w of this.waiters.splice(0)) w(v);
  }

  /** Settles to `parent`'s verdict when `own` is true, to false at once otherwise. */
  follow(parent: Keep, own: boolean): void {
    if (!own) this.settle(false);
    else parent.whenKnown((v) => this.settle(v));
  }

  /** Runs fn with the verdict: synchronously when known, else when decided. */
  whenKnown(fn: (v: boolean) => void): void {
    if (this.value !== undefined) fn(this.value);
    else this.waiters.push(fn);
  }

  /** The verdict as a promise. */
  wait(): Promise<boolean> {
    return new Promise((res) => this.whenKnown(res));
  }
}
