// Inputs of bench/large: a generated PRD of a given size and a task-master tasks.json of a given size.
import { writeFileSync } from 'node:fs';

const WORDS = [
  'sync',
  'notes',
  'offline',
  'search',
  'tags',
  'share',
  'export',
  'import',
  'audit',
  'login',
  'report',
  'billing',
];

/** A PRD of `bytes` characters: an overview, then numbered areas of a few requirements each. */
export function makePrd(bytes) {
  const out = [
    '# Field operations platform',
    '',
    '## Overview',
    'A platform for field teams: notes, sync, billing, reports.',
    '',
  ];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const w = (k) => WORDS[(i * 7 + k * 5) % WORDS.length];
    const sec = [
      `## Area ${i + 1}: ${w(0)} ${w(1)} ${i}`,
      `The ${w(2)} service lets users ${w(3)} their ${w(4)} records; ${w(5)} stays consistent.`,
    ];
    for (let k = 0; k < 4; k++)
      sec.push(`- requirement ${i}.${k}: ${w(k)} ${w(k + 1)} handles ${w(k + 2)} within ${100 + k * 50} ms`);
    sec.push('');
    const text = sec.join('\n');
    out.push(text);
    size += text.length + 1;
  }
  return out.join('\n').slice(0, bytes);
}

/** Writes a task-master tasks.json (tag master) of about `bytes` bytes: tasks with 4 subtasks each; returns the task count. */
export function largeTasksFile(path, bytes) {
  const text = (i, n) => Array.from({ length: n }, (_, k) => WORDS[(i * 3 + k * 7) % WORDS.length]).join(' ') + '.';
  const tasks = [];
  let size = 0;
  for (let id = 1; size < bytes; id++) {
    const subtasks = Array.from({ length: 4 }, (_, k) => ({
      id: k + 1,
      title: `Step ${k + 1} of task ${id}: ${text(id + k, 4)}`,
      description: text(id * 5 + k, 18),
      details: text(id * 7 + k, 140),
      testStrategy: text(id + k, 12),
      status: 'pending',
      dependencies: k ? [k] : [],
    }));
    const task = {
      id,
      title: `Task ${id}: ${text(id, 5)}`,
      description: text(id * 2, 20),
      details: text(id * 3, 160),
      testStrategy: text(id * 4, 14),
      priority: ['high', 'medium', 'low'][id % 3],
      dependencies: id > 1 ? [id - 1] : [],
      status: 'pending',
      subtasks,
    };
    tasks.push(task);
    size += JSON.stringify(task, null, 2).length;
  }
  writeFileSync(path, JSON.stringify({ master: { tasks, metadata: { created: new Date(0).toISOString() } } }, null, 2));
  return tasks.length;
}
