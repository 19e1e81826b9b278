import { describe, expect, it } from 'vitest';
import React from 'react';
import { render } from 'ink-testing-library';
import { ParsePrdTree, initialState, reduce } from '../../../commands/views/ParsePrdTree.js';

describe('parse-prd live tree', () => {
  it('nests nodes under their parents with their state, and shows calls, tokens and cache hits', () => {
    const s = initialState();
    reduce(s, { type: 'start', chunks: 1, model: 'local-llama3', contextLength: 8192, resumable: 0 });
    reduce(s, { type: 'node', path: 'c0', title: 'PRD', depth: 0, state: 'running' });
    reduce(s, { type: 'node', path: 'c0', title: 'PRD', depth: 0, state: 'done', origin: 'model' });
    reduce(s, { type: 'node', path: 'c0/t1', parent: 'c0', title: 'Set up database', depth: 1, state: 'done' });
    reduce(s, { type: 'node', path: 'c0/t2', parent: 'c0', title: 'Build API', depth: 1, state: 'running' });
    reduce(s, {
      type: 'node',
      path: 'c0/t1',
      parent: 'c0',
      title: 'Set up database',
      depth: 1,
      state: 'done',
      origin: 'checkpoint',
    });
    reduce(s, { type: 'stats', calls: 3, tokens: 12345, cacheHits: 1, resumed: 1 });
    const { lastFrame } = render(React.createElement(ParsePrdTree, { s, elapsedMs: 2500 }));
    const lines = lastFrame()!.split('\n');
    expect(lines[0]).toBe('✔ PRD');
    expect(lines[1]).toBe('  ✔ Set up database (checkpoint)');
    expect(lines[2]).toBe('  … Build API');
    expect(lines[3]).toBe('model local-llama3 · 3 calls · 12,345 tokens · 1 cache hits · 1 resumed · 2.5 s');
  });

  it('keeps only the newest lines on screen and says how many are hidden', () => {
    const s = initialState();
    for (let i = 0; i < 40; i++)
      reduce(s, { type: 'node', path: `c0/t${i}`, title: `task ${i}`, depth: 1, state: 'done' });
    reduce(s, { type: 'structural', reason: 'no model' });
    const frame = render(React.createElement(ParsePrdTree, { s, elapsedMs: 0 })).lastFrame()!;
    expect(frame).toContain('… 10 more above');
    expect(frame).toContain('task 39');
    expect(frame).not.toContain('task 9\n');
    expect(frame).toContain('structural planner (no model reachable)');
  });
});
