import { z } from 'zod';
import { DecideReviewInput, DecisionOutcome, decideReview } from '@hoop/core/review/decide-review';
import { getReviewDetail, ReviewIdInput } from '@hoop/core/review/get-review';
import { ListReviewsInput, listReviewsPage, ReviewListPage } from '@hoop/core/review/list-reviews';
import { RevokeReviewInput, revokeReviewAsAdmin } from '@hoop/core/review/revoke-review';
import { ReviewFacets, reviewFacets, ReviewSummary, reviewSummary } from '@hoop/core/review/review-summary';
import { ReviewDetail } from '@hoop/core/review/review-view';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * The review inbox. Every member of an org sees its reviews; who may decide is checked by `voteOnReview` itself (the
 * approvers recorded on the review, no self-approval unless its policy allows it); revoking is for admins.
 */
export const reviewRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(ListReviewsInput)
    .output(ReviewListPage)
    .query(({ ctx, input }) => listReviewsPage(ctx.db, ctx.user, input)),

  get: authenticatedProcedure
    .input(ReviewIdInput)
    .output(ReviewDetail)
    .query(({ ctx, input }) => getReviewDetail(ctx.db, ctx.user, input.id)),

  summary: authenticatedProcedure
    .input(z.object({}))
    .output(ReviewSummary)
    .query(({ ctx }) => reviewSummary(ctx.db, ctx.user)),

  facets: authenticatedProcedure
    .input(z.object({}))
    .output(ReviewFacets)
    .query(({ ctx }) => reviewFacets(ctx.db, ctx.user.orgId)),

  approve: authenticatedProcedure
    .input(DecideReviewInput)
    .output(DecisionOutcome)
    .mutation(({ ctx, input }) => decideReview(ctx.db, ctx.user, 'approve', input)),

  reject: authenticatedProcedure
    .input(DecideReviewInput)
    .output(DecisionOutcome)
    .mutation(({ ctx, input }) => decideReview(ctx.db, ctx.user, 'reject', input)),

  revoke: authenticatedProcedure
    .input(RevokeReviewInput)
    .output(ReviewDetail)
    .mutation(({ ctx, input }) => revokeReviewAsAdmin(ctx.db, ctx.user, input)),
});
