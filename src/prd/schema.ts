import { z } from 'zod';

/** What we ask of the model for one task; ids, status and real dependency ids are set by code. */
export const GeneratedTaskSchema = z.object({
  title: z.string().trim().min(3).max(200),
  description: z.string().trim().min(5),
  details: z.string().trim().min(5),
  testStrategy: z.string().trim(),
  priority: z.string().trim(),
  complexity: z.number().int().min(1).max(10),
  /** 1-based positions within the same answer; validated and translated by code. */
  dependencies: z.array(z.number().int()),
});
export type GeneratedTask = z.infer<typeof GeneratedTaskSchema>;

// Schemas are memoised: the same object each time lets the model API reuse its JSON Schema conversion.
const taskSchemas = new Map<number, ReturnType<typeof buildTasksSchema>>();
function buildTasksSchema(max: number) {
  const arr = z.array(GeneratedTaskSchema).min(1);
  return z.object({ tasks: max ? arr.max(max) : arr });
}

/** Answer schema for one PRD chunk; `max` keeps the answer near the requested count. */
export function tasksAnswerSchema(max?: number) {
  const k = max ?? 0;
  let s = taskSchemas.get(k);
  if (!s) taskSchemas.set(k, (s = buildTasksSchema(k)));
  return s;
}

/** Subtasks carry no priority in task-master; the same shape minus priority. */
export const GeneratedSubtaskSchema = GeneratedTaskSchema.omit({ priority: true });
export type GeneratedSubtask = z.infer<typeof GeneratedSubtaskSchema>;

const subtaskSchemas = new Map<string, ReturnType<typeof buildSubtasksSchema>>();
function buildSubtasksSchema(max: number, min: number) {
  return z.object({ subtasks: z.array(GeneratedSubtaskSchema).min(min).max(max) });
}

/** Answer schema for one decomposition: `min` to `max` subtasks (at least 2 unless fewer were asked for). */
export function subtasksAnswerSchema(max: number, min = 2) {
  const key = `${min}-${max}`;
  let s = subtaskSchemas.get(key);
  if (!s) subtaskSchemas.set(key, (s = buildSubtasksSchema(max, min)));
  return s;
}

/** task-master's priorities; anything else the model says is mapped into them. */
export type Priority = 'high' | 'medium' | 'low';

/** Maps free-form model priorities (P0, urgent, critical, minor…) into high|medium|low. */
export function mapPriority(p: string | undefined, fallback: Priority = 'medium'): Priority {
  const s = (p ?? '').toLowerCase().trim();
  if (/^(high|critical|urgent|blocker|highest|must|p0|p1|1)\b/.test(s)) return 'high';
  if (/^(low|minor|trivial|lowest|nice|could|optional|p3|p4|3|4)\b/.test(s)) return 'low';
  if (/^(medium|normal|moderate|should|p2|2)\b/.test(s)) return 'medium';
  return fallback;
}
