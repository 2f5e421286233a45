import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';

/**
 * How long the org keeps its session audit trail, what the gateway's next purge would remove under it, and what
 * purges removed so far (the web's side of `hoop audit retention`; packages/db/src/audit-retention.ts holds the rule).
 */

const MIN_DAYS = 7;
const MAX_DAYS = 36_500;

export const SetRetentionInput = z.object({
  /** null: keep the trail for ever */
  days: z
    .number({ error: 'Retention is a number of days, or none to keep the trail for ever.' })
    .int({ error: 'Retention is a whole number of days.' })
    .min(MIN_DAYS, { error: `Retention is at least ${MIN_DAYS} days.` })
    .max(MAX_DAYS, { error: `Retention is at most ${MAX_DAYS} days (100 years); to keep everything, keep it for ever.` })
    .nullable(),
});
export type SetRetentionInput = z.infer<typeof SetRetentionInput>;

const Purge = z.object({
  id: z.number().int(),
  at: z.string(),
  retentionDays: z.number().int(),
  cutoff: z.string(),
  sessions: z.number().int(),
  events: z.number().int(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});

export const RetentionView = z.object({
  days: z.number().int().nullable(),
  minDays: z.number().int(),
  maxDays: z.number().int(),
  /** what the next purge would remove under the current setting; null when kept for ever */
  pending: z.object({ sessions: z.number().int(), events: z.number().int(), cutoff: z.string(), oldest: z.string().nullable() }).nullable(),
  /** what purges removed so far, newest purge first */
  purged: z.object({ sessions: z.number().int(), events: z.number().int(), purges: z.array(Purge) }),
});
export type RetentionView = z.infer<typeof RetentionView>;

export const PreviewRetentionInput = z.object({ days: SetRetentionInput.shape.days.unwrap() });
export const RetentionPreview = RetentionView.shape.pending.unwrap();
export type RetentionPreview = z.infer<typeof RetentionPreview>;

/** What the next purge would remove if the retention were `days` (nothing is changed). */
export async function previewAuditRetention(db: Db, orgId: string, input: z.infer<typeof PreviewRetentionInput>): Promise<RetentionPreview> {
  const { days } = parseInput(PreviewRetentionInput, input);
  const { previewRetention } = await loadHoopDb();
  return previewRetention(db, orgId, days);
}

export async function auditRetention(db: Db, orgId: string): Promise<RetentionView> {
  const { getAuditRetention } = await loadHoopDb();
  return getAuditRetention(db, orgId);
}

/**
 * Sets the retention (null: for ever), from the web app or `hoop admin audit retention` (`via`); the change goes into
 * the admin trail with the value it replaced (recorded by setAuditRetention of @hoop/db, which holds the rule).
 */
export async function changeAuditRetention(db: Db, user: { id: string; orgId: string; email: string }, days: number | null, via: 'web' | 'api') {
  const hoop = await loadHoopDb();
  try {
    const r = await hoop.setAuditRetention(db, user.orgId, days, { id: user.id, email: user.email }, via);
    return { ...r, retention: await hoop.getAuditRetention(db, user.orgId) };
  } catch (err) {
    if (err instanceof hoop.RetentionError) throw new AppError('invalid', err.message, { cause: err });
    throw err;
  }
}

/** The web's form: the days checked here, the view returned. */
export async function setAuditRetention(db: Db, user: { id: string; orgId: string; email: string }, input: SetRetentionInput): Promise<RetentionView> {
  const { days } = parseInput(SetRetentionInput, input);
  return (await changeAuditRetention(db, user, days, 'web')).retention;
}
