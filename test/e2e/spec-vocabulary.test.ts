import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/db.js';
import { runCli, tempProject } from '../support/cli.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// The specification's enum spellings (ModelProvider.LM_STUDIO, TaskType/ModelTier.SPECIALIZED) are
// accepted by the CLI as they are written there, and stored in ours.
const readCfg = (dir: string) => JSON.parse(readFileSync(join(dir, '.taskmaster', 'config.json'), 'utf8'));

describe('the specification vocabulary on models --add', () => {
  it('--provider LM_STUDIO / LOCAL_AI, --capabilities SPECIALIZED and --tier SPECIALIZED are stored in our spelling', async () => {
    const dir = tempProject({});
    const a = await runCli(
      [
        'models',
        '--add',
        'spec-lm',
        '--provider',
        'LM_STUDIO',
        '--model',
        'custom-llama',
        '--endpoint',
        'http://127.0.0.1:1234/v1',
        '--capabilities',
        'SPECIALIZED,analysis',
        '--tier',
        'SPECIALIZED',
      ],
      { cwd: dir },
    );
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(
      ['models', '--add', 'spec-ai', '--provider', 'LOCAL_AI', '--model', 'phi', '--tier', 'small'],
      {
        cwd: dir,
      },
    );
    expect(b.code, b.stderr).toBe(0);
    const reg = readCfg(dir).local.registry;
    expect(reg['spec-lm']).toMatchObject({
      provider: 'lmstudio',
      model: 'custom-llama',
      capabilities: ['SPECIALIZED', 'ANALYSIS'],
      tier: 'SPECIALIZED',
    });
    expect(reg['spec-ai']).toMatchObject({ provider: 'localai', tier: 'SMALL' });
  });

  it('an unknown tier is one line naming the valid ones, nothing written', async () => {
    const dir = tempProject({});
    const r = await runCli(['models', '--add', 'x', '--provider', 'OLLAMA', '--model', 'm', '--tier', 'HUGE'], {
      cwd: dir,
    });
    expectOneErrorLine(r, { code: 2, match: "error: unknown tier 'HUGE' for alias 'x'" });
    expect(r.stderr).toMatch(/valid tiers: SMALL, MEDIUM, LARGE, SPECIALIZED/);
    expect(() => readCfg(dir)).toThrow();
  });

  it('--tier without --add is refused', async () => {
    const r = await runCli(['models', '--tier', 'LARGE'], { cwd: tempProject({}) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only go with --add/);
  });
});

describe("improve record takes the specification's task types", () => {
  it('task_decomposition is stored as parse_prd; diagnosis as other with its name kept; an unknown one lists both sets', async () => {
    const dir = tempProject({});
    const a = await runCli(
      ['improve', 'record', '--task-type', 'task_decomposition', '--outcome', '{"success": true}', '--json'],
      { cwd: dir },
    );
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ taskType: 'parse_prd' });
    const b = await runCli(['improve', 'record', '--task-type', 'diagnosis', '--outcome', '{"success": false}'], {
      cwd: dir,
    });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/stored \(diagnosis → other\)/);
    const db = openDatabase(join(dir, '.taskmaster', 'local.db'));
    const rows = db.prepare('SELECT task_type, context_json FROM learning_experiences ORDER BY id').all() as {
      task_type: string;
      context_json: string;
    }[];
    db.close();
    expect(rows.map((r) => [r.task_type, JSON.parse(r.context_json).taskKind])).toEqual([
      ['parse_prd', undefined],
      ['other', 'diagnosis'],
    ]);
    const bad = await runCli(['improve', 'record', '--task-type', 'dreaming', '--outcome', '{"success": true}'], {
      cwd: dir,
    });
    expectOneErrorLine(bad, {
      code: 2,
      match: /--task-type: must be one of parse_prd, research, other \(or the specification's task_decomposition,/,
    });
  });
});
