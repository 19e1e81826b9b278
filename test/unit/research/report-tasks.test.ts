import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveResearchFile, formatAnswer } from '../../../src/research/report.js';
import { appendToTaskDetails, parseTaskIds, taskContext } from '../../../src/research/tasks.js';
import type { ResearchAnswer } from '../../../src/research/rag-system.js';

const answer: ResearchAnswer = {
  question: 'Why is the cache 10 min?',
  answer: 'Because of load [1].',
  citations: [{ n: 1, source: 'docs/a.md', lines: '3-9', text: 't' }],
  uncited: [],
  invalidCitations: [],
  confidence: 0.7,
  confidenceReason: 'retrieval 0.80, 100% of sentences cited, self-check: supported',
  model: 'llama3.2',
  extractive: false,
  notes: [],
  usage: { calls: 2, promptTokens: 1, completionTokens: 1 },
  passages: [],
  embedder: { model: 'offline-hash-384', offline: true, reason: 'no model API' },
  durationMs: 1,
};

describe('saveResearchFile', () => {
  it('names the file from the injected date and a slug, never overwriting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tml-save-'));
    const date = new Date('2026-03-04T23:59:00Z');
    const p1 = saveResearchFile(dir, answer, date);
    const p2 = saveResearchFile(dir, answer, date);
    expect(readdirSync(dir).sort()).toEqual([
      '2026-03-04_why-is-the-cache-10-min-2.md',
      '2026-03-04_why-is-the-cache-10-min.md',
    ]);
    expect(p1).not.toBe(p2);
    const md = readFileSync(p1, 'utf8');
    expect(md).toContain('# Research: Why is the cache 10 min?');
    expect(md).toContain('- [1] docs/a.md:3-9');
    expect(formatAnswer(answer)).toMatch(
      /Confidence: 0\.70 \(retrieval 0\.80.*\)\nModel: llama3\.2 · embedder: offline-hash-384 \(offline embedder: no model API\)/,
    );
  });
});

describe('task context and --save-to', () => {
  const tasks = {
    master: {
      tasks: [
        {
          id: 2,
          title: 'Parser',
          description: 'd',
          details: '',
          subtasks: [{ id: 1, title: 'Schema', details: 'old' }],
        },
      ],
    },
    other: { tasks: [{ id: 2, title: 'Untouched' }] },
  };
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tml-tasks-'));
    mkdirSync(join(dir, 'tasks'));
    const paths = { tasks: join(dir, 'tasks', 'tasks.json'), state: join(dir, 'state.json') };
    writeFileSync(paths.tasks, JSON.stringify(tasks));
    return paths;
  };
  it('parses ids and rejects bad ones', () => {
    expect(parseTaskIds('2, 2.1')).toEqual(['2', '2.1']);
    expect(() => parseTaskIds('2,x')).toThrow(/invalid task id\(s\): x/);
  });
  it('reads tasks and subtasks as context; unknown ids are named', () => {
    const paths = setup();
    expect(taskContext(paths, ['2', '2.1'])).toBe('Task 2: Parser\ndescription: d\n\nTask 2.1: Schema\ndetails: old');
    expect(() => taskContext(paths, ['3'])).toThrow(/task 3 not found/);
  });
  it('appends to a subtask in the current tag only', () => {
    const paths = setup();
    appendToTaskDetails(paths, '2.1', '## Research: x');
    const file = JSON.parse(readFileSync(paths.tasks, 'utf8'));
    expect(file.master.tasks[0].subtasks[0].details).toBe('old\n\n## Research: x');
    expect(file.other).toEqual(tasks.other);
  });
});
