/**
 * tRPC setup: the procedure tier every router builds on (the request context is in context.ts). Every procedure needs a
 * signed-in user (sign-in itself is NextAuth's, not tRPC's):
 *
 *   authenticatedProcedure   a signed-in, enabled user (`ctx.user` is re-read from the database on every call) whom
 *                            the control plane's authorization table (@hoop/core/authz, PROCEDURE_ACCESS) lets call
 *                            the procedure by its path: any member, or one holding one of its roles (their own or a
 *                            group's; admins pass every role check). A procedure missing from the table is refused.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import superjson from 'superjson';
import { z, ZodError } from 'zod';
import { procedureAccess, refusal } from '@hoop/core/authz';
import { AppError, type AppErrorCode, inputProblems } from '@hoop/core/errors';
import { loadSessionUser } from '@hoop/core/auth/load-session-user';
import { recordWebChange } from './admin-trail';
import type { TRPCContext } from './context';

const TRPC_CODE: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid: 'BAD_REQUEST',
  rate_limited: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
};

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    // a rejected input, whether tRPC or a service (`parseInput`) refused it
    const cause = error.cause instanceof AppError ? error.cause.cause : error.cause;
    const invalid = cause instanceof ZodError ? cause : null;
    // database and stack details stay in the server log; a rejected input is said in sentences, not as zod's JSON
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message: internal
        ? 'Something went wrong on the server. Try again; if it keeps failing, check the web app log.'
        : invalid
          ? inputProblems(invalid)
          : shape.message,
      data: { ...data, fieldErrors: invalid ? z.flattenError(invalid).fieldErrors : null },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Services throw `AppError`; this is the one place it becomes a tRPC error. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

const requireUser = t.middleware(async ({ ctx, next }) => {
  const user = ctx.userId ? await loadSessionUser(ctx.db, ctx.userId) : null;
  if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'You are not signed in, or your session has ended. Sign in again.' });
  return next({ ctx: { user } });
});

/** Every change a signed-in user makes (a mutation that succeeded) goes into the org's admin trail. */
const recordChanges = t.middleware(async ({ ctx, path, type, getRawInput, next }) => {
  const result = await next();
  if (type === 'mutation' && result.ok && 'user' in ctx && ctx.user) {
    const user = ctx.user as { id: string; orgId: string; email: string };
    try {
      await recordWebChange(ctx.db, user, path, await getRawInput().catch(() => null));
    } catch (err) {
      // the change is made; a trail that could not be written is an operator's problem, not the user's
      console.error(`admin trail: could not record ${path}: ${(err as Error).message}`);
    }
  }
  return result;
});

export const authenticatedProcedure = t.procedure
  .use(mapAppErrors)
  .use(requireUser)
  // the authorization table's decision for this procedure (by its path) and this user
  .use(({ ctx, path, next }) => {
    const refused = refusal(
      procedureAccess(path),
      ctx.user,
      (roles) => `This needs the ${roles.join(' or ')} role. Ask an admin of ${ctx.user.orgName} for access.`,
    );
    if (refused) throw new TRPCError({ code: refused.status === 'unauthenticated' ? 'UNAUTHORIZED' : 'FORBIDDEN', message: refused.message });
    return next();
  })
  .use(recordChanges);
