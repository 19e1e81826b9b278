import { describe, expect, it } from 'vitest';
import { InvalidHostError, parseOllamaHost, splitUrlCredentials } from '../../../src/config/hosts.js';
import { loadConfig, validateConfig } from '../../../src/config/load.js';
import { redactSecrets, redactText } from '../../../src/config/redact.js';
import { ConfigError } from '../../../src/errors.js';

describe('OLLAMA_HOST parsing', () => {
  it.each([
    ['', 'http://127.0.0.1:11434'],
    ['example.com', 'http://example.com:11434'],
    [':9000', 'http://127.0.0.1:9000'],
    ['0.0.0.0:8080', 'http://127.0.0.1:8080'],
    ['[::]:8080', 'http://127.0.0.1:8080'],
    ['::1', 'http://[::1]:11434'],
    ['[fd00::2]:1', 'http://[fd00::2]:1'],
    ['https://gpu.lan', 'https://gpu.lan:443'],
    ['http://host:80/ollama/', 'http://host:80/ollama'],
    ['http://user:pass@127.0.0.1:8000', 'http://user:pass@127.0.0.1:8000'],
    ['user:p%40ss@gpu.lan:1', 'http://user:p%40ss@gpu.lan:1'],
  ])('%j → %s', (v, want) => {
    expect(parseOllamaHost(v)).toBe(want);
  });

  it.each([
    [':::', /neither a host name nor an IP address/],
    ['http://127.0.0.1:99999', /port 99999 is not a port number/],
    ['127.0.0.1:0', /port 0/],
    ['host:abc', /port abc/],
    ['ftp://127.0.0.1:11434', /scheme ftp:\/\/ is not supported/],
    ['http://a b', /not a valid host name/],
    ['[::1', /not closed/],
    ['@host', /empty user name/],
  ])('%j is invalid: %s', (v, re) => {
    expect(() => parseOllamaHost(v)).toThrow(InvalidHostError);
    expect(() => parseOllamaHost(v)).toThrow(re);
  });

  it('userinfo is never part of the host; the provider gets a clean URL and a Basic header', () => {
    const url = parseOllamaHost('http://user:pass@127.0.0.1:8000');
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(splitUrlCredentials(url)).toEqual({
      url: 'http://127.0.0.1:8000',
      authorization: `Basic ${Buffer.from('user:pass').toString('base64')}`,
    });
    expect(splitUrlCredentials('http://127.0.0.1:1/v1')).toEqual({ url: 'http://127.0.0.1:1/v1' });
    expect(splitUrlCredentials('http://u:p%40ss@h:1').authorization).toBe(
      `Basic ${Buffer.from('u:p@ss').toString('base64')}`,
    );
  });

  it('an invalid variable is a config error naming it (and never echoing a password), exit 2', () => {
    for (const v of [':::', 'http://127.0.0.1:99999', 'ftp://x', 'http://me:secret@h:0']) {
      let err: unknown;
      try {
        loadConfig({ cwd: '/nonexistent-tml', env: { OLLAMA_HOST: v } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/^OLLAMA_HOST=.* is invalid: /);
      expect((err as ConfigError).message).not.toContain('secret');
      expect((err as ConfigError).exitCode).toBe(2);
    }
    expect(() => loadConfig({ cwd: '/nonexistent-tml', env: { LM_STUDIO_HOST: 'gopher://x' } })).toThrow(
      /^LM_STUDIO_HOST=gopher:\/\/x is invalid/,
    );
  });
});

describe('redactText: the one redaction of credentials in text', () => {
  it.each([
    ['http://user:pw@host:1/x', 'http://user:[REDACTED]@host:1/x'],
    ['at https://TOKEN@h/v1 now', 'at https://[REDACTED]@h/v1 now'],
    ['http://h/?api_key=abc&x=1', 'http://h/?api_key=[REDACTED]&x=1'],
    ['https://h/p?access_token=abc#f', 'https://h/p?access_token=[REDACTED]#f'],
    ['u?token=t&sig=s&design=d', 'u?token=[REDACTED]&sig=[REDACTED]&design=d'],
    ['"endpoint": "http://a:b@c"', '"endpoint": "http://a:[REDACTED]@c"'],
    ['http://127.0.0.1:11434', 'http://127.0.0.1:11434'],
    ['mail bob@example.com', 'mail bob@example.com'],
    ['http://u:[REDACTED]@h', 'http://u:[REDACTED]@h'],
  ])('%j → %j', (input, out) => {
    expect(redactText(input)).toBe(out);
  });

  it('redactSecrets uses it for every string in a structure', () => {
    expect(redactSecrets({ a: ['see http://x:y@h'], b: { baseURL: 'http://h?key=k' } })).toEqual({
      a: ['see http://x:[REDACTED]@h'],
      b: { baseURL: 'http://h?key=[REDACTED]' },
    });
  });
});

describe('providers in config.json', () => {
  it("an unknown provider is an error naming it and the valid ones; task-master's own are kept", () => {
    expect(() => validateConfig({ models: { main: { provider: 'skynet', modelId: 'x' } } })).toThrow(
      "config.json: models.main.provider: unknown provider 'skynet'",
    );
    try {
      validateConfig({ local: { registry: { a: { provider: 'skynet', model: 'x' } } } });
    } catch (e) {
      expect((e as ConfigError).message).toBe("config.json: local.registry.a.provider: unknown provider 'skynet'");
      expect((e as ConfigError).hint).toMatch(/^valid providers: ollama, lmstudio, localai/);
    }
    expect(() => validateConfig({ models: { main: { provider: 'google', modelId: 'gemini' } } })).not.toThrow();
    expect(() => validateConfig({ models: { main: { provider: 'Ollama', modelId: 'x' } } })).not.toThrow();
  });
});
