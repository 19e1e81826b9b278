// Script for the pool bench's fake servers (loaded in their worker thread): the top-level call answers 4
// tasks worth expanding, each expansion 2 small subtasks (not expanded further): 1 + 4 calls per run.
const task = (title, complexity) => ({
  title,
  description: `${title} for the bookmarks service, end to end.`,
  details: `Build ${title.toLowerCase()} with its data model, API and error handling.`,
  testStrategy: 'unit and integration tests',
  priority: 'high',
  complexity,
  dependencies: [],
});
const TOP = ['Accounts', 'Saving bookmarks', 'Search', 'Browser extension'];

export function makeScript() {
  return (ctx) => {
    const schema = JSON.stringify(ctx.schema ?? {});
    if (schema.includes('"tasks"')) return { json: { tasks: TOP.map((t) => task(t, 8)) } };
    if (schema.includes('"subtasks"')) return { json: { subtasks: [task('First step', 2), task('Second step', 2)] } };
    return undefined;
  };
}
