import { Command, CommanderError } from 'commander';
import { ValidationError } from '../src/errors.js';
import { readFileSync } from 'node:fs';
import { COMMANDS } from './registry.js';
import { handleError } from './shared/output.js';
import { forwardToTaskMaster } from './forward.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Entry point: builds the program, loading only the invoked subcommand's module. */
export async function run(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  // `tml models | head` closes the pipe early; that is not an error worth a stack trace.
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
  const json = args.includes('--json');
  const debug = args.includes('--debug') || process.env.TML_DEBUG === '1';
  const program = new Command('task-master-local')
    .description('task-master on local LLMs (Ollama, LM Studio, LocalAI, OpenAI-compatible servers)')
    .version(version(), '-V, --version')
    .option('--debug', 'print stack traces for unexpected errors')
    .enablePositionalOptions()
    .exitOverride()
    // commander's own usage errors go through our handler: one `error:` line plus a `hint:`.
    .configureOutput({ outputError: () => {} });
  program.addHelpText(
    'after',
    '\nOther commands (list, next, show, set-status, expand, …) are forwarded to an installed task-master.',
  );

  const first = args.find((a) => !a.startsWith('-'));
  // `help <cmd>` is commander's; only help for a command we do not implement goes to task-master.
  const helpFor = first === 'help' ? args[args.indexOf('help') + 1] : undefined;
  const entry = COMMANDS.find((c) => c.name === (first === 'help' ? helpFor : first));
  try {
    if (entry) {
      (await entry.load()).register(program);
    } else {
      for (const c of COMMANDS) program.command(c.name).description(c.description);
      const ours = first === 'help' && helpFor === undefined;
      if (first && !ours && !args.slice(0, args.indexOf(first)).some((a) => a === '--help' || a === '-h')) {
        await guardForward(args);
        process.exitCode = await forwardToTaskMaster(args, process.cwd());
        return;
      }
    }
    const legacy = entry?.legacyFlags;
    await program.parseAsync(legacy ? argv.map((a) => legacy[a] ?? a) : argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit with 0; usage errors become one error line with a hint
      process.exitCode = e.exitCode === 0 ? 0 : handleError(usageError(e, entry?.name), { json, debug });
      return;
    }
    process.exitCode = handleError(e, { json, debug });
  }
}

/**
 * A forwarded command that would call a model runs only if the mode allows every role task-master
 * may use; the guard is loaded only for those commands, so `list`, `show`, … start as fast as before.
 */
async function guardForward(args: string[]): Promise<void> {
  const { forwardCallsModel } = await import('../src/application/forward-commands.js');
  if (!forwardCallsModel(args)) return;
  const { forwardGuardUseCase } = await import('../src/application/forward-guard.js');
  const { openProject } = await import('../src/application/project.js');
  const project = openProject({ cwd: process.cwd() });
  try {
    forwardGuardUseCase(project, { args });
  } finally {
    project.close();
  }
}

/** A commander usage error as ours: its "(Did you mean …?)" line moves into the hint. */
function usageError(e: CommanderError, command: string | undefined): ValidationError {
  const [first = e.message, ...rest] = e.message
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const suggestion = rest
    .join(' ')
    .replace(/^\((.*)\)$/, '$1')
    .replace(/^Did/, 'did');
  const help = `see \`task-master-local ${command ? `${command} ` : ''}--help\``;
  return new ValidationError(first, {
    hint: suggestion ? `${suggestion.replace(/\?$/, '?')} ${help}` : help,
    details: { commander: e.code },
  });
}
