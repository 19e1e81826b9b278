/**
 * The `ollama` client prints to stdout/stderr in two places: `console.log` when an error body is
 * not JSON, and `console.warn` for every stream line that is not JSON (then skips it silently).
 * This fetch wrapper removes both causes: non-JSON error bodies become `{"error": text}`, and a
 * non-JSON NDJSON line becomes an `{"error": …}` line, which the client turns into a thrown error
 * (a corrupt stream must fail, not lose text).
 */
export function quietFetch(base: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await base(input, init);
    const type = res.headers.get('content-type') ?? '';
    if (!res.ok && !type.includes('application/json')) {
      const text = (await res.text().catch(() => '')).trim();
      return jsonResponse(res, JSON.stringify({ error: text || `HTTP ${res.status} ${res.statusText}`.trim() }));
    }
    if (res.ok && res.body && type.includes('ndjson')) {
      return new Response(res.body.pipeThrough(ndjsonSanitizer()), {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    }
    return res;
  };
}

function jsonResponse(res: Response, body: string): Response {
  const headers = new Headers(res.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/** Re-emits whole lines; a line that does not parse as JSON is replaced by an error line. */
function ndjsonSanitizer(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder('utf-8');
  const encoder = new TextEncoder();
  let buf = '';
  const fix = (line: string): string => {
    if (!line.trim()) return '';
    try {
      JSON.parse(line);
      return `${line}\n`;
    } catch {
      return `${JSON.stringify({ error: `the server sent a line that is not JSON: ${line.slice(0, 120)}` })}\n`;
    }
  };
  return new TransformStream({
    transform(chunk, c) {
      buf += decoder.decode(chunk, { stream: true });
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      const out = lines.map(fix).join('');
      if (out) c.enqueue(encoder.encode(out));
    },
    flush(c) {
      buf += decoder.decode();
      const out = fix(buf);
      if (out) c.enqueue(encoder.encode(out));
    },
  });
}
