import { EXIT } from '@hoop/protocol';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { usage } from '../errors';
import { formatTable } from '../format';
import { api } from '../gateway';

interface Preview {
  sessions: number;
  events: number;
  cutoff: string;
  oldest: string | null;
}
interface Purge {
  id: number;
  at: string;
  retentionDays: number;
  cutoff: string;
  sessions: number;
  events: number;
  from: string | null;
  to: string | null;
}
interface Retention {
  days: number | null;
  minDays: number;
  maxDays: number;
  pending: Preview | null;
  purged: { sessions: number; events: number; purges: Purge[] };
}

const n = (v: number) => v.toLocaleString('en-US');
const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');
const kept = (days: number | null) => (days === null ? 'for ever' : `${n(days)} days`);

/** `DAYS`, `DAYSd` or nothing; anything else is a usage error that says what is expected. */
export function parseRetentionDays(arg: string | undefined, forever: boolean): number | null | undefined {
  if (forever && arg !== undefined) throw usage('give either a number of days or --forever, not both');
  if (forever) return null;
  if (arg === undefined) return undefined;
  const m = /^(\d{1,6})d?$/.exec(arg.trim());
  if (!m) throw usage(`"${arg}" is not a number of days; use e.g. \`hoop audit retention 90\` or \`hoop audit retention --forever\``);
  return Number(m[1]);
}

function describe(r: Retention): string {
  const lines = [
    `audit trail kept ${kept(r.days)}` +
      `${r.days === null ? ' (nothing is purged)' : `: sessions whose last activity is older are purged by the gateway (hourly), on record`}`,
  ];
  if (r.pending) {
    lines.push(
      r.pending.sessions === 0
        ? `next purge: nothing (no session's last activity is before ${when(r.pending.cutoff)})`
        : `next purge: ${n(r.pending.sessions)} session(s), ${n(r.pending.events)} event(s), ` +
            `last active before ${when(r.pending.cutoff)} (oldest started ${when(r.pending.oldest)})`,
    );
  }
  if (r.purged.purges.length === 0) lines.push('purged so far: nothing');
  else {
    lines.push(`purged so far: ${n(r.purged.sessions)} session(s), ${n(r.purged.events)} event(s) in ${n(r.purged.purges.length)} purge(s)\n`);
    lines.push(
      formatTable(
        ['purge', 'at', 'kept', 'sessions', 'events', 'events from', 'events to'],
        r.purged.purges.slice(0, 20).map((p) => [String(p.id), when(p.at), kept(p.retentionDays), n(p.sessions), n(p.events), when(p.from), when(p.to)]),
      ).trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `hoop audit retention [DAYS | --forever] [-o json]`: shows how long the org keeps its audit trail and what purges
 * removed; with a value, sets it (admins). The change is recorded in the admin trail.
 */
export async function auditRetentionCommand(env: CliEnv, days: number | null | undefined, output: 'text' | 'json'): Promise<number> {
  const config = await loadConfig(env);
  if (days === undefined) {
    const r = await api<Retention>(config, '/api/audit/retention');
    process.stdout.write(output === 'json' ? `${JSON.stringify(r, null, 2)}\n` : describe(r));
    return EXIT.ok;
  }
  const r = await api<{ days: number | null; previous: number | null; retention: Retention }>(config, '/api/audit/retention', {
    method: 'PUT',
    body: { days },
  });
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`audit retention changed from ${kept(r.previous)} to ${kept(r.days)}\n${describe(r.retention)}`);
  return EXIT.ok;
}
