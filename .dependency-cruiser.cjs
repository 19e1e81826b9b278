/**
 * The layer order of the house (README, "Architecture"): each layer imports only itself and the
 * layers before it, and no module imports itself back through a circle (type-only imports count).
 *
 *   util/errors → config → storage (SQLite, task-master's files) → models (model API, providers)
 *   → prompting → capabilities (prd, research, optimize, learning, recovery, …) → application
 *   (use cases, the library facade) → commands
 */
const LAYERS = [
  ['util', '^src/(util/|errors\\.ts$)'],
  ['config', '^src/config/'],
  ['storage', '^src/(storage|taskmaster)/'],
  ['models', '^src/models/'],
  ['prompting', '^src/prompting/'],
  ['capabilities', '^src/(prd|research|optimize|learning|diagnostics|recovery|monitor|finetune|tasks)/'],
  ['application', '^src/(application/|index\\.ts$)'],
  ['commands', '^(commands|bin)/'],
];

const upward = LAYERS.map(([name, path], i) => ({
  name: `layer-${name}`,
  comment: `${name} may import only ${LAYERS.slice(0, i + 1)
    .map(([n]) => n)
    .join(', ')}`,
  severity: 'error',
  from: { path },
  to: {
    path:
      LAYERS.slice(i + 1)
        .map(([, p]) => p)
        .join('|') || '^$',
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'diagnostics-below-health-and-recovery',
      comment: 'diagnostics is the shared vocabulary of monitor and recovery: it imports neither',
      severity: 'error',
      from: { path: '^src/diagnostics/' },
      to: { path: '^src/(monitor|recovery)/' },
    },
    {
      name: 'monitor-below-recovery',
      comment: 'recovery uses monitor (probes, the performance monitor); monitor never imports recovery',
      severity: 'error',
      from: { path: '^src/monitor/' },
      to: { path: '^src/recovery/' },
    },
    {
      name: 'no-circular',
      comment: 'modules that import each other in a circle (type-only imports included)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'sql-in-storage-only',
      comment: 'better-sqlite3 and sqlite-vec are used by src/storage only',
      severity: 'error',
      from: { pathNot: '^src/storage/' },
      to: { path: 'node_modules/(better-sqlite3|sqlite-vec)/' },
    },
    {
      name: 'in-a-layer',
      comment: 'every source file belongs to a layer of the list above',
      severity: 'error',
      from: { path: '^(src|commands)/', pathNot: LAYERS.map(([, p]) => p).join('|') },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stays in the graph (not followed), or no rule could see an import of a package.
    exclude: { path: '^(dist|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
