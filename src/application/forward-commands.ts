/**
 * Which task-master commands call a model: the one list the forwarding guard uses. Imports nothing,
 * so the CLI can ask before loading config for a forwarded command.
 */

/**
 * task-master 0.43.1's commands that call a model through its roles (the one list; ours take
 * precedence when registered). `tui`/`repl` run any of them interactively.
 */
export const TASK_MASTER_AI_COMMANDS: readonly string[] = [
  'parse-prd',
  'expand',
  'analyze-complexity',
  'research',
  'add-task',
  'update',
  'update-task',
  'update-subtask',
  'scope-up',
  'scope-down',
  'tui',
  'repl',
];

/** Commands that launch Claude Code, which calls Anthropic whatever the roles say (`start --dry-run` does not). */
export const TASK_MASTER_AGENT_COMMANDS: readonly string[] = ['start', 'loop'];

/**
 * Whether forwarding `args` to task-master would call a model. Asking task-master for help never
 * does, and `add-task` with a title and no prompt is its manual mode (no model).
 */
export function forwardCallsModel(args: readonly string[]): boolean {
  const command = args.find((a) => !a.startsWith('-'));
  if (!command) return false;
  if (args.some((a) => a === '--help' || a === '-h')) return false;
  if (TASK_MASTER_AGENT_COMMANDS.includes(command)) return !args.includes('--dry-run');
  if (!TASK_MASTER_AI_COMMANDS.includes(command)) return false;
  if (command === 'add-task') {
    const has = (...names: string[]) => args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
    return has('-p', '--prompt') || !has('-t', '--title');
  }
  return true;
}
