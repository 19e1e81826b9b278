import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnswerState } from './answers.js';
import type { ComputeHub } from './compute.js';
import type { LoadState } from './loading.js';
import type { CapacityReport, CreatedModel, FakeModel, FaultKind, Flavor } from './types.js';

/** Server state shared by the route handlers. */
export interface Core extends AnswerState, LoadState {
  flavor: Flavor;
  embeddingDim: number;
  version: string;
  shuffleEmbeddings: boolean;
  models: FakeModel[];
  hub: ComputeHub;
  startedAt: number;
  loadMs: number;
  loadingExpiry: 'session' | 'zero';
  lie?: CapacityReport;
  /** Blobs pushed with POST /api/blobs/:digest. */
  blobs: Map<string, Buffer>;
  created: CreatedModel[];
  /** Kills the whole server (the 'die' fault). */
  die: () => void;
}

/** Everything a route handler gets for one request. */
export interface RouteCtx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  raw: string;
  /** The body's bytes (blobs are binary). */
  rawBuffer: Buffer;
  /** Parsed JSON body; undefined when empty or not JSON (see parseError). */
  body: Record<string, unknown> | undefined;
  parseError?: string;
  /** Answer-shaping fault for this request, if one matched. */
  contentFault?: FaultKind;
  core: Core;
}

/** Status → OpenAI-style error type. */
export function errorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return 'api_error';
}

/** Text of a chat message content (string or content-part array). */
export function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('');
  }
  return '';
}
