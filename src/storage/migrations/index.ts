import type { Migration } from './types.js';
import { m001core } from './001-core.js';

export type { Migration } from './types.js';

/** Every module appends its own migration here (ids per HACKING.md); order in this list does not matter. */
export const MIGRATIONS: readonly Migration[] = [
  m001core,
];
