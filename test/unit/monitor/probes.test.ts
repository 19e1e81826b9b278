import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { roleTargets, serverTargets } from '../../../src/monitor/health-targets.js';
import { matchModel, stripWrappers } from '../../../src/monitor/probes.js';
import { tempProject } from '../../support/cli.js';

describe('probe helpers', () => {
  it('matchModel: exact, implicit :latest, or the one tag', () => {
    const names = ['llama3.2:latest', 'qwen3:8b', 'nomic-embed-text:latest'];
    expect(matchModel(names, 'llama3.2')).toBe('llama3.2:latest');
    expect(matchModel(names, 'qwen3')).toBe('qwen3:8b');
    expect(matchModel(names, 'qwen3:14b')).toBeUndefined();
    expect(matchModel(names, 'mistral')).toBeUndefined();
  });
  it('stripWrappers removes think blocks and fences', () => {
    expect(stripWrappers('<think>hmm</think>\n```json\n{"a":1}\n```')).toBe('{"a":1}');
    expect(stripWrappers('{"a":1}')).toBe('{"a":1}');
  });
});

describe('health targets', () => {
  const env = { OLLAMA_HOST: 'http://127.0.0.1:11434' };
  it('no roles: Ollama expected, LM Studio and LocalAI optional', () => {
    const cfg = loadConfig({ cwd: tempProject(), env });
    expect(serverTargets(cfg).map((s) => [s.provider, s.expected])).toEqual([
      ['ollama', true],
      ['lmstudio', false],
      ['localai', false],
    ]);
  });
  it('roles: registry aliases resolve, task-master baseURL loses /api, external roles are marked', () => {
    const cwd = tempProject({
      '.taskmaster/config.json': JSON.stringify({
        models: {
          main: { provider: 'ollama', modelId: 'local-coder' },
          research: { provider: 'ollama', modelId: 'llama3.2', baseURL: 'http://10.0.0.5:11434/api' },
          fallback: { provider: 'anthropic', modelId: 'claude' },
        },
        local: {
          registry: {
            'local-coder': { provider: 'lmstudio', model: 'qwen2.5-coder', endpoint: 'http://127.0.0.1:1234/v1' },
          },
        },
      }),
    });
    const cfg = loadConfig({ cwd, env });
    expect(roleTargets(cfg)).toEqual([
      {
        role: 'main',
        provider: 'lmstudio',
        model: 'qwen2.5-coder',
        endpoint: 'http://127.0.0.1:1234/v1',
        external: false,
      },
      { role: 'research', provider: 'ollama', model: 'llama3.2', endpoint: 'http://10.0.0.5:11434', external: false },
      { role: 'fallback', provider: 'anthropic', model: 'claude', endpoint: undefined, external: true },
    ]);
    const servers = serverTargets(cfg);
    expect(servers.find((s) => s.endpoint === 'http://127.0.0.1:1234/v1')).toMatchObject({
      kind: 'openai',
      expected: true,
    });
    expect(servers.find((s) => s.endpoint === 'http://10.0.0.5:11434')).toMatchObject({
      kind: 'ollama',
      expected: true,
    });
    // Roles exist, none on the default Ollama: it is optional now.
    expect(servers.find((s) => s.endpoint === 'http://127.0.0.1:11434')).toMatchObject({ expected: false });
  });
});
