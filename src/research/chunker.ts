/**
 * Structure-aware chunking: Markdown headings start a new chunk, fenced code blocks stay whole
 * when they fit, paragraphs (blank-line separated blocks, which also fits source code) are packed
 * up to a size limit, and each chunk repeats the tail of the previous one as a little overlap.
 * Pure: text in, chunks with 1-based line ranges out.
 */

/** One piece of a document, with the lines it covers and the heading it sits under. */
export interface Chunk {
  ord: number;
  startLine: number;
  endLine: number;
  heading: string;
  text: string;
}

/** Options of chunkText(). */
export interface ChunkOptions {
  /** Soft upper bound of a chunk's characters. */
  maxChars?: number;
  /** Characters of the previous chunk's tail repeated at the start of the next one. */
  overlapChars?: number;
  /** Treat `#` lines as Markdown headings (off for code, where `#` is a comment). */
  markdown?: boolean;
}

interface Block {
  start: number; // 0-based line index
  lines: string[];
  heading?: string;
}

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

function toBlocks(lines: string[], markdown: boolean): Block[] {
  const blocks: Block[] = [];
  let cur: Block | undefined;
  let fence: string | undefined;
  const close = () => {
    if (cur?.lines.some((l) => l.trim())) blocks.push(cur);
    cur = undefined;
  };
  lines.forEach((line, i) => {
    const f = FENCE.exec(line);
    if (fence) {
      cur!.lines.push(line);
      if (f && f[1] === fence) {
        fence = undefined;
        close();
      }
      return;
    }
    if (markdown && f) {
      close();
      fence = f[1];
      cur = { start: i, lines: [line] };
      return;
    }
    const h = markdown ? HEADING.exec(line) : null;
    if (h) {
      close();
      blocks.push({ start: i, lines: [line], heading: h[2]! });
      return;
    }
    if (!line.trim()) {
      close();
      return;
    }
    if (!cur) cur = { start: i, lines: [] };
    cur.lines.push(line);
  });
  close();
  return blocks;
}

// A block bigger than the limit is cut at line boundaries; a single huge line is cut by characters.
function splitBlock(b: Block, maxChars: number): Block[] {
  const out: Block[] = [];
  let cur: Block = { start: b.start, lines: [] };
  let size = 0;
  b.lines.forEach((line, j) => {
    if (line.length > maxChars) {
      if (cur.lines.length) out.push(cur);
      for (let k = 0; k < line.length; k += maxChars)
        out.push({ start: b.start + j, lines: [line.slice(k, k + maxChars)] });
      cur = { start: b.start + j + 1, lines: [] };
      size = 0;
      return;
    }
    if (size + line.length + 1 > maxChars && cur.lines.length) {
      out.push(cur);
      cur = { start: b.start + j, lines: [] };
      size = 0;
    }
    cur.lines.push(line);
    size += line.length + 1;
  });
  if (cur.lines.length) out.push(cur);
  return out;
}

/** Cuts a document into chunks; an empty or whitespace-only text gives no chunks. */
export function chunkText(text: string, opts: ChunkOptions = {}): Chunk[] {
  const maxChars = opts.maxChars ?? 1200;
  const overlap = opts.overlapChars ?? 150;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks = toBlocks(lines, opts.markdown ?? true).flatMap((b) =>
    b.lines.join('\n').length > maxChars ? splitBlock(b, maxChars) : [b],
  );
  const chunks: Chunk[] = [];
  let heading = '';
  let parts: Block[] = [];
  let size = 0;
  let carry = '';
  const flush = () => {
    if (!parts.length) return;
    const body = parts.map((p) => p.lines.join('\n')).join('\n\n');
    const last = parts[parts.length - 1]!;
    const onlyHeading = parts.length === 1 && parts[0]!.heading !== undefined;
    if (!onlyHeading || !chunks.length) {
      chunks.push({
        ord: chunks.length,
        startLine: parts[0]!.start + 1,
        endLine: last.start + last.lines.length,
        heading,
        text: carry ? `${carry}\n\n${body}` : body,
      });
    }
    carry = overlap > 0 && body.length > overlap ? tailOf(body, overlap) : '';
    parts = [];
    size = 0;
  };
  for (const b of blocks) {
    const len = b.lines.join('\n').length;
    if (b.heading !== undefined) {
      // a heading opens a new chunk and is not carried over as overlap into another section
      if (parts.some((p) => p.heading === undefined)) flush();
      else parts = [];
      carry = '';
      heading = b.heading;
      parts.push(b);
      size = len;
      continue;
    }
    if (size + len > maxChars && parts.some((p) => p.heading === undefined)) flush();
    parts.push(b);
    size += len + 2;
  }
  if (parts.some((p) => p.heading === undefined) || !chunks.length) flush();
  return chunks.map((c, i) => ({ ...c, ord: i }));
}

// The overlap starts at a word boundary so it never begins mid-word.
function tailOf(s: string, n: number): string {
  const t = s.slice(-n);
  const sp = t.search(/\s/);
  return (sp >= 0 ? t.slice(sp) : t).trim();
}

/** Whether a path is prose with Markdown structure (vs code/data where `#` is not a heading). */
export function isMarkdownPath(path: string): boolean {
  return /\.(md|markdown|mdx|txt|rst)$/i.test(path) || !/\.[a-z0-9]+$/i.test(path);
}
