/**
 * Watches the text of an answer as it streams in and reports each element of its top-level array
 * (`{"tasks": [ … ]}`) as soon as that element's closing brace arrives, so work on it can start while
 * its siblings are still being generated.
 *
 * Incremental and cheap: one pass over each character (depth, string and escape state only), and each
 * element is parsed once with JSON.parse when it closes; a 500-task plan streams megabytes of answers one
 * token at a time, so a general streaming JSON parser (which builds every value) cost more than the rest
 * of the client. Text before the JSON (a `<think>` block, a code fence, a sentence of prose) is skipped.
 * Anything unexpected stops the watch for this answer and nothing more is reported: what it reports is
 * speculative, and the validated whole answer always has the last word.
 */
export class ElementStream {
  private started = false;
  private pending = '';
  private dead = false;
  private count = 0;
  // Scanner state over the JSON text.
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Text of the string being read at depth 1 (a candidate key); undefined when not collecting. */
  private keyText: string | undefined;
  private lastKey: string | undefined;
  private inArray = false;
  /** Text of the element being read (from its opening brace), or undefined between elements. */
  private elem: string | undefined;

  constructor(
    private readonly key: string,
    private readonly onElement: (index: number, value: unknown) => void,
    /** Stop after this many elements (the answer schema's maximum). */
    private readonly max = Number.POSITIVE_INFINITY,
  ) {}

  /** Elements reported so far. */
  get reported(): number {
    return this.count;
  }

  write(delta: string): void {
    if (this.dead || !delta) return;
    if (!this.started) {
      this.pending += delta;
      const start = jsonStart(this.pending);
      if (start === undefined) {
        if (this.pending.length > 64_000) this.dead = true; // no JSON in sight: stop buffering
        return;
      }
      this.started = true;
      const rest = this.pending.slice(start);
      this.pending = '';
      this.scan(rest);
      return;
    }
    this.scan(delta);
  }

  private scan(text: string): void {
    let elemFrom = this.elem === undefined ? -1 : 0;
    for (let i = 0; i < text.length && !this.dead; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92 /* \ */) this.escape = true;
        else if (c === 34 /* " */) {
          this.inString = false;
          continue;
        }
        if (this.keyText !== undefined) this.keyText += text[i];
        continue;
      }
      if (c === 34) {
        this.inString = true;
        this.keyText = this.depth === 1 ? '' : undefined;
      } else if (c === 58 /* : */) {
        if (this.depth === 1) this.lastKey = this.keyText;
      } else if (c === 123 /* { */ || c === 91 /* [ */) {
        if (this.depth === 1 && c === 91 && this.lastKey === this.key) this.inArray = true;
        else if (this.inArray && this.depth === 2 && elemFrom < 0) {
          elemFrom = i;
          this.elem = '';
        }
        this.depth++;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.depth--;
        if (this.inArray && this.depth === 2 && elemFrom >= 0) {
          this.element(`${this.elem}${text.slice(elemFrom, i + 1)}`);
          this.elem = undefined;
          elemFrom = -1;
        } else if (this.inArray && this.depth === 1) {
          this.dead = true; // the array is complete: nothing more to report
        } else if (this.depth < 0) this.dead = true;
      }
    }
    if (elemFrom >= 0 && this.elem !== undefined) this.elem += text.slice(elemFrom);
  }

  private element(json: string): void {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      this.dead = true; // broken JSON: the whole answer will be judged when it ends
      return;
    }
    if (this.count >= this.max) {
      this.dead = true;
      return;
    }
    this.onElement(this.count++, value);
  }
}

/** Index of the first `{` outside a leading think block; undefined while it cannot be known yet. */
function jsonStart(text: string): number | undefined {
  let from = 0;
  const think = /^\s*<think>/.exec(text);
  if (think) {
    const end = text.indexOf('</think>');
    if (end < 0) return undefined;
    from = end + '</think>'.length;
  }
  const i = text.indexOf('{', from);
  return i < 0 ? undefined : i;
}
