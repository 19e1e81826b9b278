import { existsSync, readFileSync } from 'node:fs';

/**
 * The tag task-master considers current: `state.json.currentTag`, else `master`. A missing or
 * unreadable state.json means master, as task-master itself decides. (No zod here: read-only
 * commands such as complexity-report call it on their fast path.)
 */
export function currentTag(statePath: string): string {
  if (!existsSync(statePath)) return 'master';
  try {
    const v = JSON.parse(readFileSync(statePath, 'utf8')) as { currentTag?: unknown } | null;
    const tag = v && typeof v === 'object' ? v.currentTag : undefined;
    return typeof tag === 'string' && tag.length > 0 ? tag : 'master';
  } catch {
    return 'master';
  }
}
