import type { Command } from 'commander';
import { registerScope } from './scope.js';

/** `scope-up`: rewrite tasks to a larger scope. */
export function register(program: Command): void {
  registerScope(program, 'up');
}
