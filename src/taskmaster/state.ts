import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

const StateSchema = z.looseObject({ currentTag: z.string().min(1).optional() });

/**
 * The tag task-master considers current: `state.json.currentTag`, else `master`. A missing or
 * unreadable state.json means master, as task-master itself decides.
 */
export function currentTag(statePath: string): string {
  if (!existsSync(statePath)) return 'master';
  try {
    const r = StateSchema.safeParse(JSON.parse(readFileSync(statePath, 'utf8')));
    return (r.success && r.data.currentTag) || 'master';
  } catch {
    return 'master';
  }
}
