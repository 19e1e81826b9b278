import type { ModelsOverview, RoleView } from '../../src/models/overview.js';
import { memberLine } from '../../src/models/pools.js';

function size(bytes?: number): string {
  if (bytes === undefined) return '-';
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

function role(name: string, r: RoleView): string {
  const label = `  ${name.padEnd(11)}`;
  if (!r.model) return `${label}(none)${r.note ? ` — ${r.note}` : ''}`;
  const where = r.endpoint ? ` @ ${r.endpoint}` : '';
  const tag = r.source === 'default' ? '  [default — not saved]' : '';
  const note = r.note ? `\n  ${''.padEnd(11)}note: configured role not used — ${r.note}` : '';
  return `${label}${r.provider} ${r.model}${where}${tag}${note}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

/** Plain-text rendering of `models` (no colour, pipes and CI read it as is). */
export function renderModelsText(o: ModelsOverview): string {
  const out: string[] = [];
  out.push(`config: ${o.configPath}${o.configExists ? '' : ' (not created yet)'}`);
  out.push(`mode:   ${o.mode.value} (from ${o.mode.source})`, '', 'roles:');
  for (const k of ['main', 'research', 'fallback', 'embeddings'] as const) out.push(role(k, o.roles[k]));
  out.push('', 'servers:');
  for (const s of o.servers) {
    const state = s.skipped
      ? `skipped — ${s.skipped}`
      : s.ok
        ? `ok, ${s.models} model${s.models === 1 ? '' : 's'}`
        : `unreachable — ${s.error ?? 'no answer'}`;
    out.push(`  ${s.kind.padEnd(18)}${s.endpoint}  ${state}`);
    if (!s.ok && !s.skipped && s.hint) out.push(`  ${''.padEnd(18)}hint: ${s.hint}`);
  }
  out.push('', 'models:');
  if (o.models.length === 0) out.push('  (none discovered)');
  else {
    const rows = [['ALIAS', 'MODEL', 'SERVER', 'SIZE', 'CONTEXT', 'CAPABILITIES']];
    for (const m of o.models) {
      rows.push([
        m.alias,
        m.model,
        m.provider,
        size(m.sizeBytes),
        m.contextLength ? String(m.contextLength) : '-',
        m.embedding ? 'EMBEDDING' : m.capabilities.join(',') || '-',
      ]);
    }
    out.push(...table(rows));
  }
  if (o.pools.length) {
    out.push('', 'pools (one model on several endpoints; requests go to the least loaded for its capacity):');
    for (const p of o.pools) {
      out.push(`  ${p.alias} (${p.provider} ${p.model}, ${p.members.length} endpoints)`);
      for (const m of p.members) out.push(`    ${m.endpoint}  ${memberLine(m)}`);
    }
  }
  const aliases = Object.entries(o.aliases);
  if (aliases.length) {
    out.push('', 'aliases (local.registry):');
    for (const [a, e] of aliases) {
      const at = e.endpoints ? ` @ ${e.endpoints.join(', ')}` : e.endpoint ? ` @ ${e.endpoint}` : '';
      out.push(`  ${a} → ${e.provider} ${e.model}${at}${e.capacity ? ` (capacity ${e.capacity} each)` : ''}`);
    }
  }
  for (const w of o.warnings) out.push(`warning: ${w}`);
  if (Object.values(o.roles).some((r) => r.source === 'default')) {
    out.push('', 'Defaults are used until you save a role, e.g. `task-master-local models --set-main <id>`.');
  }
  return out.join('\n');
}

/** What `models` changed (roles, mode, aliases), then where it was saved. */
export function changeLines(
  r: {
    roles: Record<string, { provider: string; modelId: string; baseURL?: string }>;
    mode?: string;
    alias?: { provider: string; model: string; endpoints?: string[]; capacity?: number };
    replaced?: boolean;
  },
  o: { add?: string; remove?: string; configPath: string; endpoints?: string[] },
): string[] {
  const out = Object.entries(r.roles).map(
    ([role, rc]) => `${role}: ${rc.provider} ${rc.modelId}${rc.baseURL ? ` @ ${rc.baseURL}` : ''}`,
  );
  if (r.mode) out.push(`mode: ${r.mode}`);
  if (r.alias) {
    const pool = r.alias.endpoints ? ` on ${r.alias.endpoints.length} endpoints (${r.alias.endpoints.join(', ')})` : '';
    const cap = r.alias.capacity ? `, capacity ${r.alias.capacity} each` : '';
    out.push(`${r.replaced ? 'replaced' : 'added'} alias ${o.add} → ${r.alias.provider} ${r.alias.model}${pool}${cap}`);
    const given = o.endpoints ?? [];
    const kept = r.alias.endpoints?.length ?? (given.length ? 1 : 0);
    if (given.length > kept)
      out.push(`note: ${given.length - kept} duplicate endpoint(s) given; each endpoint is kept once`);
  }
  if (o.remove) out.push(`removed alias ${o.remove}`);
  out.push(`saved to ${o.configPath}`);
  return out;
}

/** What `models --import` wrote, the roles it kept, and each part it left out. */
export function importLines(
  r: {
    shape: string;
    mode?: string;
    aliases: string[];
    replaced: string[];
    keptRoles: string[];
    notes: string[];
    configPath: string;
  },
  file: string,
): string[] {
  const shape = r.shape === 'specification' ? "the specification's configuration" : 'an export';
  const out = [`imported ${file} (${shape}) into ${r.configPath}`];
  if (r.mode) out.push(`mode: ${r.mode}`);
  if (r.aliases.length) {
    const added = r.aliases.filter((a) => !r.replaced.includes(a));
    if (added.length) out.push(`added aliases: ${added.join(', ')}`);
    if (r.replaced.length) out.push(`replaced aliases: ${r.replaced.join(', ')}`);
  }
  for (const k of r.keptRoles) out.push(`kept role ${k}`);
  for (const n of r.notes) out.push(`not imported: ${n}`);
  return out;
}
