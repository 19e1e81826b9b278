import { describe, expect, it } from 'vitest';
import { AppError, ProviderError, StorageError } from '../../../src/errors.js';
import { classifyFailure, errorFacts, normaliseMessage } from '../../../src/diagnostics/classify.js';

const ctx = {
  component: 'prd',
  operation: 'object',
  provider: 'ollama',
  endpoint: 'http://127.0.0.1:11434',
  model: 'llama3.2',
};
const refused = (address: string) =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error(`connect ECONNREFUSED ${address}:11434`), { code: 'ECONNREFUSED', address }),
  });

describe('classifyFailure', () => {
  it.each([
    [refused('127.0.0.1'), 'server_unreachable', 'SYSTEM_ERROR'],
    [refused('::1'), 'ipv6_localhost', 'SYSTEM_ERROR'],
    [
      new ProviderError('PROVIDER_ERROR', "model 'llama3.2' not found", { status: 404 }),
      'model_not_found',
      'MODEL_FAILURE',
    ],
    [
      Object.assign(new Error('model "x" not found, try pulling it first'), {
        name: 'ResponseError',
        status_code: 404,
      }),
      'model_not_found',
      'MODEL_FAILURE',
    ],
    [
      new Error('model requires more system memory (9.1 GiB) than is available (4.2 GiB)'),
      'out_of_memory',
      'RESOURCE_EXHAUSTION',
    ],
    [
      new Error("No models loaded. Please load a model in the developer page or use the 'lms load' command."),
      'no_model_loaded',
      'MODEL_FAILURE',
    ],
    [
      new ProviderError('PROVIDER_ERROR', 'server busy, please try again.  maximum pending requests exceeded', {
        status: 503,
      }),
      'server_busy',
      'RESOURCE_EXHAUSTION',
    ],
    [new ProviderError('PROVIDER_ERROR', 'internal error', { status: 500 }), 'http_error', 'SYSTEM_ERROR'],
    [new AppError('TIMEOUT', 'no answer within 600000 ms'), 'timeout', 'PERFORMANCE_DEGRADATION'],
    [
      new AppError('MODEL_OUTPUT_INVALID', 'answer does not match the schema: title: Required'),
      'invalid_output',
      'MODEL_FAILURE',
    ],
    [
      new AppError('MODEL_OUTPUT_INVALID', 'invalid JSON: Unexpected end of JSON input'),
      'truncated_output',
      'MODEL_FAILURE',
    ],
    [new Error('an error was encountered while running the model'), 'stream_error', 'SYSTEM_ERROR'],
    [new Error('the input length exceeds the context length'), 'context_overflow', 'RESOURCE_EXHAUSTION'],
    [Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), 'db_busy', 'RESOURCE_EXHAUSTION'],
    [
      new StorageError('STORAGE', 'not usable', {
        cause: Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' }),
      }),
      'db_corrupt',
      'SYSTEM_ERROR',
    ],
    [
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      'disk_full',
      'RESOURCE_EXHAUSTION',
    ],
    [new AppError('PRIVACY_REFUSED', 'refused'), 'privacy_refused', 'SYSTEM_ERROR'],
    [new AppError('CIRCUIT_OPEN', 'open'), 'circuit_open', 'SYSTEM_ERROR'],
    [new Error('something odd'), 'unknown', 'SYSTEM_ERROR'],
  ])('%s → %s', (err, kind, type) => {
    const f = classifyFailure(err, ctx);
    expect(f.kind).toBe(kind);
    expect(f.type).toBe(type);
    expect(f.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('groups repeats that differ only in numbers, and separates other models', () => {
    const a = classifyFailure(
      new Error('model requires more system memory (9.1 GiB) than is available (4.2 GiB)'),
      ctx,
    );
    const b = classifyFailure(
      new Error('model requires more system memory (9.3 GiB) than is available (3.9 GiB)'),
      ctx,
    );
    const c = classifyFailure(new Error('model requires more system memory (9.3 GiB) than is available (3.9 GiB)'), {
      ...ctx,
      model: 'qwen3',
    });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('reads endpoint and model from AppError details when the context lacks them', () => {
    const f = classifyFailure(
      new ProviderError('PROVIDER_UNREACHABLE', 'x', { details: { endpoint: 'http://127.0.0.1:1234/v1', model: 'm' } }),
      {
        component: 'c',
        operation: 'o',
      },
    );
    expect(f.context.endpoint).toBe('http://127.0.0.1:1234/v1');
    expect(f.context.model).toBe('m');
    expect(f.kind).toBe('server_unreachable');
  });

  it('walks AggregateError sub-errors (happy eyeballs)', () => {
    const agg = Object.assign(new AggregateError([refused('::1').cause], 'fetch failed'), { code: 'ECONNREFUSED' });
    expect(errorFacts(agg).text).toContain('::1');
    expect(classifyFailure(agg, ctx).kind).toBe('ipv6_localhost');
  });

  it('normalises numbers and hex', () => {
    expect(normaliseMessage('Took 1200 ms at deadbeefcafe1234')).toBe('took # ms at <hex>');
  });
});
