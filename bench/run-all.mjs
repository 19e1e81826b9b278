#!/usr/bin/env node
// Runs every bench/*.bench.mjs in sequence; each prints its own figures. Usage: node bench/run-all.mjs [--only <name>]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const i = argv.indexOf('--only');
const only = i >= 0 ? argv[i + 1] : undefined;
if (i >= 0 && !only) {
  console.error('error: --only needs a bench name, e.g. --only cold-start');
  process.exit(2);
}

const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort();
const picked = only ? all.filter((f) => f.replace(/\.bench\.mjs$/, '').includes(only)) : all;
if (picked.length === 0) {
  console.error(
    `error: no bench matches '${only}'; available: ${all.map((f) => f.replace(/\.bench\.mjs$/, '')).join(', ')}`,
  );
  process.exit(2);
}

// Figures mean little without the machine they were taken on.
console.log(
  `machine: nproc=${availableParallelism()} cpu="${cpus()[0]?.model ?? '?'}" node=${process.version} load=${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const failed = [];
for (const f of picked) {
  console.log(`\n=== ${f.replace(/\.bench\.mjs$/, '')} ===`);
  const r = spawnSync(process.execPath, [join(here, f), ...argv.filter((_a, k) => k !== i && k !== i + 1)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed.push(`${f} (exit ${r.status ?? r.signal})`);
}
console.log(
  `\n${picked.length - failed.length}/${picked.length} benches ran${failed.length ? `; failed: ${failed.join(', ')}` : ''}`,
);
process.exitCode = failed.length ? 1 : 0;
