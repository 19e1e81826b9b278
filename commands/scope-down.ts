import type { Command } from 'commander';
import { registerScope } from './scope.js';

/** `scope-down`: rewrite tasks to a smaller scope. */
export function register(program: Command): void {
  registerScope(program, 'down');
}
