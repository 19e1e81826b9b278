/**
 * Ollama's model creation: `HEAD|POST /api/blobs/:digest` and `POST /api/create` with `from`,
 * `files` and `adapters` (digests of pushed blobs), streaming status lines as Ollama's server does
 * (server/routes.go CreateBlobHandler/HeadBlobHandler, server/create.go CreateHandler). A created model
 * appears in /api/tags and answers chat requests like any other.
 */
import { createHash } from 'node:crypto';
import { sameModel } from './answers.js';
import { sendJson, sendText, writeFrame } from './http.js';
import type { RouteCtx } from './route.js';
import type { FakeModel } from './types.js';

const DIGEST = /^sha256[:-][0-9a-fA-F]{64}$/;
const BLOB_PATH = /^\/api\/blobs\/([^/]+)$/;
const BLOBS_DIR = '/root/.ollama/models/blobs';

const err = (ctx: RouteCtx, status: number, message: string) => sendJson(ctx.res, status, { error: message });
const norm = (d: string) => d.replace('-', ':').toLowerCase();

/** HEAD|POST /api/blobs/:digest; false when the path is not a blob route. */
export async function blobRoute(ctx: RouteCtx): Promise<boolean> {
  const m = BLOB_PATH.exec(ctx.path);
  if (!m || (ctx.method !== 'HEAD' && ctx.method !== 'POST')) return false;
  const digest = decodeURIComponent(m[1]!);
  if (!DIGEST.test(digest)) return (err(ctx, 400, 'invalid digest format'), true);
  const present = ctx.core.blobs.has(norm(digest));
  if (ctx.method === 'HEAD') {
    if (present) sendText(ctx.res, 200, '');
    else err(ctx, 404, `blob "${digest}" not found`);
    return true;
  }
  if (present) return (sendText(ctx.res, 200, ''), true);
  const got = `sha256:${createHash('sha256').update(ctx.rawBuffer).digest('hex')}`;
  if (got !== norm(digest)) return (err(ctx, 400, `digest mismatch, expected "${digest}", got "${got}"`), true);
  ctx.core.blobs.set(got, ctx.rawBuffer);
  sendText(ctx.res, 201, '');
  return true;
}

type Status = { status: string } | { error: string; status?: number };

/** What Ollama decides a set of files is: by name, else by the GGUF magic of the blob. */
function fileType(ctx: RouteCtx, files: Record<string, string>): 'gguf' | 'safetensors' | undefined {
  for (const [name, digest] of Object.entries(files)) {
    if (name.endsWith('.safetensors')) return 'safetensors';
    if (name.endsWith('.gguf')) return 'gguf';
    const blob = ctx.core.blobs.get(norm(digest));
    if (blob?.subarray(0, 4).toString('latin1') === 'GGUF') return 'gguf';
  }
  return undefined;
}

/** The status lines (or the error) of turning `files` into layers, as Ollama's create does. */
function layersFrom(
  ctx: RouteCtx,
  files: Record<string, string>,
  adapter: boolean,
  out: Status[],
): string[] | undefined {
  const names = Object.keys(files).sort();
  if (names.length === 0) return void out.push({ error: 'no files provided to convert', status: 400 });
  const type = fileType(ctx, files);
  if (!type) return void out.push({ error: 'unknown type', status: 400 });
  if (type === 'gguf' && adapter && names.length > 1) {
    return void out.push({ error: 'only one adapter is currently supported', status: 400 });
  }
  const digests: string[] = [];
  if (type === 'safetensors') out.push({ status: adapter ? 'converting adapter' : 'converting model' });
  for (const name of names) {
    const digest = norm(files[name]!);
    if (type === 'gguf') out.push({ status: 'parsing GGUF' });
    const blob = ctx.core.blobs.get(digest);
    if (!blob) {
      const path = `${BLOBS_DIR}/${digest.replace(':', '-')}`;
      return void out.push({ error: `open ${path}: no such file or directory`, status: 400 });
    }
    if (type === 'gguf' && blob.subarray(0, 4).toString('latin1') !== 'GGUF') {
      return void out.push({ error: 'supplied file was not in GGUF format', status: 400 });
    }
    digests.push(digest);
  }
  return digests;
}

function validName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]{0,127})?$/.test(name) && name.length <= 350;
}

/** POST /api/create. */
export async function createModel(ctx: RouteCtx): Promise<void> {
  if (!ctx.raw.trim()) return err(ctx, 400, 'missing request body');
  if (!ctx.body) return err(ctx, 400, ctx.parseError ?? 'invalid request body');
  const b = ctx.body;
  const files = (b.files ?? {}) as Record<string, string>;
  const adapters = (b.adapters ?? {}) as Record<string, string>;
  for (const [path, digest] of Object.entries(files)) {
    if (path.startsWith('/') || path.split('/').includes('..')) return err(ctx, 400, 'file path must be relative');
    if (!digest) return err(ctx, 400, 'invalid digest format');
  }
  for (const digest of Object.values(adapters)) if (!digest) return err(ctx, 400, 'invalid digest format');
  const rawName = String(b.model ?? b.name ?? '');
  if (!validName(rawName)) return err(ctx, 400, 'invalid model name');
  const name = rawName.includes(':') ? rawName : `${rawName}:latest`;

  const out: Status[] = [];
  const layers: string[] = [];
  let base: FakeModel | undefined;
  const from = typeof b.from === 'string' ? b.from : undefined;
  if (from) {
    base = ctx.core.models.find((m) => sameModel(m.name, from));
    if (!base || base.pulled === false) {
      out.push({ status: 'pulling manifest' });
      if (!base) out.push({ error: 'pull model manifest: file does not exist' });
      else base.pulled = true;
    }
    if (base) layers.push(`sha256:${createHash('sha256').update(base.name).digest('hex')}`);
  } else if (b.files !== undefined) {
    const got = layersFrom(ctx, files, false, out);
    if (got) layers.push(...got);
  } else {
    out.push({ error: "neither 'from' or 'files' was specified", status: 400 });
  }
  const failed = () => out.some((s) => 'error' in s);
  let adapterDigests: string[] = [];
  if (!failed() && b.adapters !== undefined) adapterDigests = layersFrom(ctx, adapters, true, out) ?? [];
  if (!failed()) {
    for (const d of [...layers, ...adapterDigests]) out.push({ status: `using existing layer ${d}` });
    for (const extra of ['system', 'template', 'parameters'] as const) {
      if (b[extra] === undefined) continue;
      const d = createHash('sha256').update(JSON.stringify(b[extra])).digest('hex');
      out.push({ status: `creating new layer sha256:${d}` });
    }
    out.push({ status: 'writing manifest' }, { status: 'success' });
    register(ctx, name, base, adapterDigests, files, adapters);
  }
  await respond(ctx, out, b.stream === false);
}

function register(
  ctx: RouteCtx,
  name: string,
  base: FakeModel | undefined,
  adapterDigests: string[],
  files: Record<string, string>,
  adapters: Record<string, string>,
): void {
  const b = ctx.body!;
  const size =
    (base?.sizeBytes ?? 0) +
    [...Object.values(files), ...adapterDigests].reduce((s, d) => s + (ctx.core.blobs.get(norm(d))?.length ?? 0), 0);
  const model: FakeModel = {
    name,
    contextLength: base?.contextLength,
    family: base?.family,
    sizeBytes: size,
    capabilities: base?.capabilities,
    parent: base?.name,
    adapters: adapterDigests.length > 0 ? adapterDigests : undefined,
  };
  const i = ctx.core.models.findIndex((m) => sameModel(m.name, name));
  if (i >= 0) ctx.core.models[i] = model;
  else ctx.core.models.push(model);
  ctx.core.created.push({
    name,
    from: base?.name,
    files: { ...files },
    adapters: { ...adapters },
    system: typeof b.system === 'string' ? b.system : undefined,
    template: typeof b.template === 'string' ? b.template : undefined,
    parameters: b.parameters as Record<string, unknown> | undefined,
    time: Date.now(),
  });
}

/** Streams the status lines (an error before any line is an HTTP error), or answers once when stream:false. */
async function respond(ctx: RouteCtx, out: Status[], once: boolean): Promise<void> {
  const error = out.find((s): s is { error: string; status?: number } => 'error' in s);
  if (once) {
    if (error) return err(ctx, error.status ?? 500, error.error);
    return sendJson(ctx.res, 200, out.at(-1));
  }
  if (out[0] && 'error' in out[0]) return err(ctx, out[0].status ?? 500, out[0].error);
  ctx.res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const s of out) {
    const line = 'error' in s ? { error: s.error } : s;
    if (!(await writeFrame(ctx.res, `${JSON.stringify(line)}\n`))) return;
    if ('error' in s) break;
  }
  ctx.res.end();
}
