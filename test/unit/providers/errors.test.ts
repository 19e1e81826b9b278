import { describe, expect, it } from 'vitest';
import { errorBodyMessage, httpError, networkError } from '../../../src/models/providers/errors.js';
import { readSse } from '../../../src/models/providers/sse.js';

// Shapes of undici's real failures: TypeError('fetch failed') with the socket error as cause.
const refused = (address: string) =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error(`connect ECONNREFUSED ${address}:11434`), { code: 'ECONNREFUSED', address }),
  });

describe('networkError', () => {
  it('maps a refused connection to PROVIDER_UNREACHABLE with the URL and a start hint', () => {
    const e = networkError(refused('127.0.0.1'), 'ollama', 'http://127.0.0.1:11434')!;
    expect(e).toMatchObject({ code: 'PROVIDER_UNREACHABLE', retryable: false, hint: 'start it with `ollama serve`' });
    expect(e.message).toBe('Ollama is not reachable at http://127.0.0.1:11434 (ECONNREFUSED)');
  });

  it('suggests 127.0.0.1 when localhost resolved to ::1', () => {
    const e = networkError(refused('::1'), 'ollama', 'http://localhost:11434')!;
    expect(e.hint).toMatch(/use http:\/\/127\.0\.0\.1 instead of localhost/);
    const agg = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new AggregateError([refused('::1').cause]), { code: 'ECONNREFUSED' }),
    });
    expect(networkError(agg, 'lmstudio', 'http://localhost:1234/v1')!.hint).toMatch(/127\.0\.0\.1/);
  });

  it('points at the host name when it does not resolve', () => {
    const dns = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND ollama.lan'), { code: 'ENOTFOUND' }),
    });
    const e = networkError(dns, 'ollama', 'http://ollama.lan:11434')!;
    expect(e).toMatchObject({
      code: 'PROVIDER_UNREACHABLE',
      hint: 'the host name ollama.lan does not resolve; check the endpoint URL',
    });
  });

  it('treats resets as retryable and ignores errors that are not network failures', () => {
    const reset = Object.assign(new TypeError('terminated'), {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(networkError(reset, 'localai', 'http://127.0.0.1:8080/v1')).toMatchObject({
      code: 'PROVIDER_ERROR',
      retryable: true,
    });
    expect(networkError(new Error('something else'), 'ollama', 'http://x')).toBeUndefined();
  });
});

describe('httpError and errorBodyMessage', () => {
  it('reads both error body shapes and plain text', () => {
    expect(errorBodyMessage('{"error":"boom"}')).toBe('boom');
    expect(errorBodyMessage('{"error":{"message":"bad model","type":"invalid_request_error"}}')).toBe('bad model');
    expect(errorBodyMessage('<html>502</html>')).toBe('<html>502</html>');
  });

  it('classifies statuses', () => {
    expect(httpError('ollama', 'u', 404, "model 'x' not found", 'x')).toMatchObject({
      code: 'MODEL_NOT_FOUND',
      hint: 'run `ollama pull x`',
    });
    expect(httpError('lmstudio', 'u', 400, 'Invalid model identifier "x".', 'x')).toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
    expect(httpError('ollama', 'u', 429, 'slow down')).toMatchObject({ retryable: true });
    expect(httpError('ollama', 'u', 400, 'bad')).toMatchObject({ retryable: false });
    expect(httpError('anthropic', 'u', 401, 'invalid x-api-key').hint).toBe('check ANTHROPIC_API_KEY');
  });
});

describe('readSse', () => {
  it('joins events split across chunks, including inside a multibyte character', async () => {
    const bytes = new TextEncoder().encode(
      'data: {"t":"caf\u00e9"}\n\n: keep-alive\n\nevent: x\ndata: a\ndata: b\r\n\r\ndata: [DONE]\n\n',
    );
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, cut));
        c.enqueue(bytes.subarray(cut));
        c.close();
      },
    });
    const events = [];
    for await (const e of readSse(body)) events.push(e);
    expect(events).toEqual([
      { event: undefined, data: '{"t":"café"}' },
      { event: 'x', data: 'a\nb' },
      { event: undefined, data: '[DONE]' },
    ]);
  });
});
