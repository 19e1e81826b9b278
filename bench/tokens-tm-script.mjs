// Script for the tokens bench's fake server (loaded in its worker thread): task-master's requests get answers
// of the same length as the compute model's schema-driven ones, but with the sequential ids task-master checks
// (it rejects other ids). Our requests return undefined: the fake answers them from the JSON schema.
const words = (n, seed) =>
  Array.from(
    { length: n },
    (_, i) => ['local', 'model', 'task', 'sync', 'notes', 'offline', 'search', 'plan'][(seed + i * 3) % 8],
  ).join(' ');
const item = (i, sub) => ({
  id: i + 1,
  title: words(6, i),
  description: words(22, i + 1),
  details: words(48, i + 2),
  testStrategy: words(14, i + 3),
  ...(sub ? {} : { priority: 'medium' }),
  dependencies: i > 0 && !sub ? [i] : [],
  status: 'pending',
});

export function makeScript() {
  return (ctx) => {
    const schema = JSON.stringify(ctx.schema ?? {});
    if (!schema.includes('"id"')) return undefined; // not task-master
    if (schema.includes('"subtasks"'))
      return { json: { subtasks: Array.from({ length: 4 }, (_, i) => item(i, true)) } };
    return { json: { tasks: Array.from({ length: 4 }, (_, i) => item(i, false)), metadata: null } };
  };
}
