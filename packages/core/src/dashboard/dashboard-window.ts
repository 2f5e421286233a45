import { z } from 'zod';
import type { Role } from '../auth/roles';
import { parseInput } from '../errors';

/**
 * The time window and the scope every dashboard figure is computed over.
 *
 * Window: the last 24 hours by the hour, or the last 7 or 30 days by the day, in UTC like the rest of the console.
 * Buckets are whole hours or days ending with the current one, so the first bucket is never a partial one.
 *
 * Scope: admins, auditors and reviewers see the whole org's figures (they oversee it: the trail, the reviews);
 * developers see only their own sessions and review requests. Agent counts are org-wide for everyone: they name no
 * person and tell a developer whether they can connect at all.
 */
export const DashboardRange = z.enum(['24h', '7d', '30d'], { error: 'The range is 24h, 7d or 30d.' });
export type DashboardRange = z.infer<typeof DashboardRange>;

export const DashboardInput = z.object({ range: DashboardRange.default('7d') });
export type DashboardInput = z.input<typeof DashboardInput>;

const RANGES: Record<DashboardRange, { unit: 'hour' | 'day'; buckets: number }> = {
  '24h': { unit: 'hour', buckets: 24 },
  '7d': { unit: 'day', buckets: 7 },
  '30d': { unit: 'day', buckets: 30 },
};
const UNIT_MS = { hour: 3_600_000, day: 86_400_000 } as const;

export const DashboardScope = z.enum(['org', 'own']);
export type DashboardScope = z.infer<typeof DashboardScope>;

export const DashboardWindow = z.object({
  range: DashboardRange,
  unit: z.enum(['hour', 'day']),
  /** start of the first bucket (inclusive) */
  from: z.date(),
  /** now: nothing later is counted */
  to: z.date(),
  /** bucket starts, UTC, as `YYYY-MM-DDTHH:MM` */
  buckets: z.array(z.string()),
  scope: DashboardScope,
});
export type DashboardWindow = z.infer<typeof DashboardWindow>;

const ORG_WIDE: ReadonlySet<Role> = new Set(['admin', 'auditor', 'reviewer']);

export interface DashboardViewer {
  id: string;
  orgId: string;
  role: Role;
}

export const dashboardScope = (role: Role): DashboardScope => (ORG_WIDE.has(role) ? 'org' : 'own');

/** The user whose sessions and reviews are counted, or null for the whole org. */
export const scopedUserId = (viewer: DashboardViewer): string | null => (dashboardScope(viewer.role) === 'org' ? null : viewer.id);

export const bucketLabel = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

/** The window of `range` ending now. */
export function dashboardWindow(viewer: DashboardViewer, input: DashboardInput, now: Date = new Date()): DashboardWindow {
  const { range } = parseInput(DashboardInput, input);
  const { unit, buckets } = RANGES[range];
  const t = now.getTime();
  const current = unit === 'hour' ? t - (t % UNIT_MS.hour) : t - (t % UNIT_MS.day);
  const from = current - (buckets - 1) * UNIT_MS[unit];
  return {
    range,
    unit,
    from: new Date(from),
    to: now,
    buckets: Array.from({ length: buckets }, (_, i) => bucketLabel(from + i * UNIT_MS[unit])),
    scope: dashboardScope(viewer.role),
  };
}

/** `2026-01-31T12:00:00.000`: timestamps are stored in UTC without a zone, so they are compared as such. */
export const sqlTimestamp = (d: Date): string => d.toISOString().replace(/Z$/, '');
