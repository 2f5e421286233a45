import type { Db } from '@hoop/db';
import { z } from 'zod';
import type { SessionUser } from '../auth/load-session-user';
import { decidersOf, ReviewKind, ReviewListItem, listItem } from './review-view';
import { viewerState } from './review-viewer';
import { approvalRefusal, listReviews } from './reviews';

export const ReviewStatusFilter = z.enum(['pending', 'approved', 'rejected', 'expired', 'revoked', 'decided', 'all']);
export type ReviewStatusFilter = z.infer<typeof ReviewStatusFilter>;

export const ListReviewsInput = z.object({
  status: ReviewStatusFilter.default('pending'),
  connection: z.string().trim().min(1).max(100).optional(),
  /** the requester's e-mail */
  requester: z.string().trim().min(1).max(320).optional(),
  kind: ReviewKind.optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** paging, newest first: only reviews requested before this time (the `nextBefore` of the previous page) */
  before: z.date().optional(),
});
export type ListReviewsInput = z.input<typeof ListReviewsInput>;

export const ReviewListPage = z.object({
  items: z.array(ReviewListItem),
  /** where the next (older) page starts, or null on the last page */
  nextBefore: z.date().nullable(),
});
export type ReviewListPage = z.infer<typeof ReviewListPage>;

/** The reviews of the signed-in user's org, newest first, each marked when it waits on this user. */
export async function listReviewsPage(db: Db, user: SessionUser, input: ListReviewsInput = {}, now = new Date()): Promise<ReviewListPage> {
  const q = ListReviewsInput.parse(input);
  const rows = await listReviews(db, user.orgId, {
    status: q.status,
    connection: q.connection,
    requester: q.requester,
    kind: q.kind,
    before: q.before,
    // one more than asked, to know whether an older page exists
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const deciders = await decidersOf(db, user.orgId, page);
  return {
    items: page.map((r) => listItem(r, deciders, viewerState(r, user, now).canDecide)),
    nextBefore: rows.length > q.limit ? (page[page.length - 1]?.createdAt ?? null) : null,
  };
}
