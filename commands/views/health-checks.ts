/** One line per check (`ok  `, `FAIL`, `warn`, `skip`), names aligned, the hint under anything that did not pass. */
export function renderChecks(
  checks: readonly {
    name: string;
    status: 'pass' | 'fail' | 'warn' | 'skip';
    detail: string;
    hint?: string;
    ms?: number;
  }[],
): string[] {
  const MARK = { pass: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' } as const;
  const width = Math.max(...checks.map((c) => c.name.length));
  const out: string[] = [];
  for (const c of checks) {
    const [first, ...more] = c.detail.split('\n');
    out.push(`  ${MARK[c.status]}  ${c.name.padEnd(width)}  ${first}${c.ms !== undefined ? ` (${c.ms} ms)` : ''}`);
    for (const l of more) out.push(`        ${' '.repeat(width)}    ${l}`);
    if (c.hint && c.status !== 'pass') out.push(`        ${' '.repeat(width)}  hint: ${c.hint}`);
  }
  return out;
}
