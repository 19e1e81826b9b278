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
    out.push(`  ${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}${c.ms !== undefined ? ` (${c.ms} ms)` : ''}`);
    if (c.hint && c.status !== 'pass') out.push(`        ${' '.repeat(width)}  hint: ${c.hint}`);
  }
  return out;
}
