import { z, type ZodType } from 'zod';
import { extractJson, stripChatTokens, stripThink } from './text.js';
import type { ChatMessage } from './types.js';

/** Result of turning a model's raw text into a validated value. */
export type ParseOutcome<T> = { ok: true; value: T; text: string } | { ok: false; error: string; text: string };

// One conversion per schema object (answer schemas are memoised where they are built): zod's
// conversion costs more than a streamed answer's parsing on a fast server. Treat the result as read-only.
const jsonSchemas = new WeakMap<ZodType, Record<string, unknown>>();

/** JSON Schema for the provider (Ollama `format`, OpenAI `response_format.json_schema`); read-only. */
export function toJsonSchema(schema: ZodType): Record<string, unknown> {
  const hit = jsonSchemas.get(schema);
  if (hit) return hit;
  // The model writes the schema's input side (before transforms/defaults apply).
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete js.$schema;
  jsonSchemas.set(schema, js);
  return js;
}

/** One line per zod issue, `path: message`, short enough to send back to the model. */
export function formatIssues(error: z.ZodError, max = 8): string {
  const lines = error.issues
    .slice(0, max)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
  if (error.issues.length > max) lines.push(`… and ${error.issues.length - max} more`);
  return lines.join('; ');
}

/**
 * Text → JSON → schema. A truncated answer (finish reason 'length') is invalid even when it
 * happens to parse, because the model was cut off mid-thought.
 */
export function parseStructured<T>(raw: string, schema: ZodType<T>, finishReason?: string): ParseOutcome<T> {
  // chat-template tokens leak into titles and details otherwise; they never belong to an answer
  const text = stripChatTokens(stripThink(raw)).trim();
  if (finishReason === 'length') {
    return { ok: false, error: 'the answer was cut off at the token limit (finish reason "length")', text };
  }
  const json = extractJson(text);
  if (!json.ok) return { ok: false, error: json.error, text };
  const r = schema.safeParse(json.value);
  if (!r.success) return { ok: false, error: formatIssues(r.error), text };
  return { ok: true, value: r.data, text };
}

/** The one follow-up message sent after an invalid answer. */
export function reaskMessage(error: string): ChatMessage {
  return {
    role: 'user',
    content:
      `Your previous answer did not match the required JSON schema: ${error}\n` +
      'Reply again with only one JSON value that matches the schema exactly, with no prose and no code fences.',
  };
}
