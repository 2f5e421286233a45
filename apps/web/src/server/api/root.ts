import { agentRouter } from './routers/agent';
import { auditRouter } from './routers/audit';
import { cliLoginRouter } from './routers/cli-login';
import { connectionRouter } from './routers/connection';
import { dashboardRouter } from './routers/dashboard';
import { groupRouter } from './routers/group';
import { integrationRouter } from './routers/integration';
import { policyRouter } from './routers/policy';
import { reviewRouter } from './routers/review';
import { sessionRouter } from './routers/session';
import { tokenRouter } from './routers/token';
import { userRouter } from './routers/user';
import { createCallerFactory, createTRPCRouter } from './trpc';

/** One router per domain; the control plane adds policy and member. */
export const appRouter = createTRPCRouter({
  connection: connectionRouter,
  policy: policyRouter,
  agent: agentRouter,
  review: reviewRouter,
  integration: integrationRouter,
  session: sessionRouter,
  audit: auditRouter,
  user: userRouter,
  group: groupRouter,
  token: tokenRouter,
  cliLogin: cliLoginRouter,
  dashboard: dashboardRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
