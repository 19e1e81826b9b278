import { Command } from 'commander';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/registry.js';
import { REPO_ROOT } from '../../support/cli.js';

/**
 * Every command a message or hint tells the user to run must exist: its subcommand (or action
 * word) and every flag it names. A hint once sent users to `research ask`, which never existed.
 */

// Words a command takes as its positional action (not commander subcommands): optimize list|show
// (its [spec] argument), recover status|list (its [action] argument, a zod enum in recover.ts).
const ACTION_WORDS: Record<string, string[]> = { optimize: ['list', 'show'], recover: ['status', 'list'] };

interface Shape {
  words: Set<string>;
  flags: Set<string>;
}
const shapes = new Map<string, Shape>();

function flagsOf(c: Command): string[] {
  return c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)).concat(['--help', '-h']);
}

beforeAll(async () => {
  for (const entry of COMMANDS) {
    const program = new Command('task-master-local');
    (await entry.load()).register(program);
    const cmd = program.commands.find((c) => c.name() === entry.name)!;
    const words = new Set([...cmd.commands.map((c) => c.name()), ...(ACTION_WORDS[entry.name] ?? [])]);
    const flags = new Set([...flagsOf(cmd), ...cmd.commands.flatMap(flagsOf), '--debug', '--json']);
    shapes.set(entry.name, { words, flags });
  }
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** Backticked command lines in the sources: `task-master-local research add <dir>`, `improve record`, … */
function commandMentions(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const file of [...sourceFiles(join(REPO_ROOT, 'src')), ...sourceFiles(join(REPO_ROOT, 'commands'))]) {
    const text = readFileSync(file, 'utf8');
    // inside template literals the backticks are escaped (\`); in plain strings they are not
    for (const m of text.matchAll(/\\?`((?:task-master-local|tml) [^`\\]+|[a-z-]+ [^`\\]*)\\?`/g)) {
      // a template literal's own backticks would pair up with each other: skip what interpolates
      if (!m[1]!.includes('${')) out.push({ file: relative(REPO_ROOT, file), text: m[1]! });
    }
  }
  return out;
}

function problems(text: string): string[] {
  const words = text.trim().split(/\s+/);
  if (words[0] === 'task-master-local' || words[0] === 'tml') words.shift();
  const name = words[0] ?? '';
  const shape = shapes.get(name);
  if (!shape) return [];
  const found: string[] = [];
  const second = words[1];
  if (second && /^[a-z][a-z-]*$/.test(second) && shape.words.size > 0 && !shape.words.has(second)) {
    found.push(`\`${name} ${second}\`: no such subcommand (${[...shape.words].join(', ')})`);
  }
  for (const w of words.slice(1)) {
    const flag = /^(--?[a-z][a-z-]*)/.exec(w)?.[1];
    if (flag && !shape.flags.has(flag)) found.push(`\`${name} … ${flag}\`: no such option`);
  }
  return found;
}

describe('commands named in messages and hints', () => {
  it('finds the mentions (the scan itself works)', () => {
    const texts = commandMentions().map((m) => m.text);
    expect(texts.some((t) => t.startsWith('task-master-local recover --run'))).toBe(true);
    expect(texts.length).toBeGreaterThan(20);
  });

  it('flags a command that does not exist', () => {
    expect(problems('task-master-local research ask')).toEqual([
      '`research ask`: no such subcommand (add, search, sources, remove, sessions)',
    ]);
    expect(problems('models --frobnicate')).toEqual(['`models … --frobnicate`: no such option']);
    expect(problems('research "<question>"')).toEqual([]);
  });

  it('every mention names a real subcommand and real options', () => {
    const bad = commandMentions().flatMap((m) => problems(m.text).map((p) => `${m.file}: ${p}`));
    expect(bad).toEqual([]);
  });
});
