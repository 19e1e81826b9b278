import { JSONParser } from '@streamparser/json';

/**
 * Watches the text of an answer as it streams in and reports each element of its top-level array
 * (`{"tasks": [ … ]}`) as soon as that element's closing brace arrives, so work on it can start while
 * its siblings are still being generated.
 *
 * Incremental: each character is tokenized once (@streamparser/json), so a long answer costs O(n), not
 * a re-parse per delta. Text before the JSON (a `<think>` block, a code fence, a sentence of prose) is
 * skipped. Anything unexpected stops the watch for this answer and nothing more is reported: what it
 * reports is speculative, and the validated whole answer always has the last word.
 */
export class ElementStream {
  private parser?: JSONParser;
  private pending = '';
  private dead = false;
  private count = 0;

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
    if (!this.parser) {
      this.pending += delta;
      const start = jsonStart(this.pending);
      if (start === undefined) {
        if (this.pending.length > 64_000) this.dead = true; // no JSON in sight: stop buffering
        return;
      }
      this.parser = this.makeParser();
      const rest = this.pending.slice(start);
      this.pending = '';
      this.feed(rest);
      return;
    }
    this.feed(delta);
  }

  private makeParser(): JSONParser {
    const p = new JSONParser({ paths: [`$.${this.key}.*`], keepStack: false });
    p.onValue = ({ value, key }) => {
      if (this.dead || typeof key !== 'number' || value === undefined) return;
      if (this.count >= this.max) {
        this.dead = true;
        return;
      }
      this.count++;
      this.onElement(key, value);
    };
    // A parse error (prose around the JSON, a closing fence after it) ends the watch quietly.
    p.onError = () => {
      this.dead = true;
    };
    return p;
  }

  private feed(text: string): void {
    if (!this.parser || this.parser.isEnded) {
      this.dead = true;
      return;
    }
    try {
      this.parser.write(text);
    } catch {
      this.dead = true;
    }
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
