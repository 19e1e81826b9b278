/** How close an answer comes to what the team kept: task-count error and token F1 of titles and details. */

const WORD = /[\p{L}\p{N}]+/gu;

function bag(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of text.toLowerCase().match(WORD) ?? []) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

/** Token F1 (SQuAD-style, bag of lowercase words): 1 for the same words, 0 for none shared. */
export function tokenF1(answer: string, reference: string): number {
  const a = bag(answer);
  const r = bag(reference);
  let common = 0;
  let na = 0;
  let nr = 0;
  for (const n of a.values()) na += n;
  for (const n of r.values()) nr += n;
  if (!na && !nr) return 1;
  if (!na || !nr) return 0;
  for (const [w, n] of a) common += Math.min(n, r.get(w) ?? 0);
  if (!common) return 0;
  const p = common / na;
  const rec = common / nr;
  return (2 * p * rec) / (p + rec);
}

type Item = { title?: unknown; description?: unknown; details?: unknown };

/** The items of a structured answer (`tasks` or `subtasks`), or undefined for free text. */
export function answerItems(value: unknown): Item[] | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { tasks?: unknown; subtasks?: unknown };
  const items = v.tasks ?? v.subtasks;
  return Array.isArray(items) ? (items as Item[]) : undefined;
}

const itemText = (items: Item[]) =>
  items.map((i) => `${String(i.title ?? '')} ${String(i.description ?? '')} ${String(i.details ?? '')}`).join('\n');

/** Similarity and count error of an answer against the kept answer (both parsed JSON, or text). */
export function compareAnswers(answer: unknown, kept: unknown): { similarity: number; countError?: number } {
  const a = answerItems(answer);
  const k = answerItems(kept);
  if (a && k) return { similarity: tokenF1(itemText(a), itemText(k)), countError: Math.abs(a.length - k.length) };
  return {
    similarity: tokenF1(
      typeof answer === 'string' ? answer : JSON.stringify(answer),
      typeof kept === 'string' ? kept : JSON.stringify(kept),
    ),
  };
}
