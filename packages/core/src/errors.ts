import type { z } from 'zod';

/**
 * Expected failures of the control plane. Services throw `AppError`; each adapter maps the codes once: the web's tRPC
 * layer (apps/web/src/server/api/trpc.ts) to tRPC codes, the gateway's HTTP API to `HTTP_STATUS`, pages to messages.
 */
export const APP_ERROR_CODES = ['unauthenticated', 'forbidden', 'not_found', 'conflict', 'invalid', 'rate_limited', 'unavailable'] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The HTTP status of each code: the gateway's API, and the web's route handlers that answer outside tRPC (downloads). */
export const HTTP_STATUS: Record<AppErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid: 400,
  rate_limited: 429,
  unavailable: 503,
};

/** zod's own wording ("Too small: expected …"), which does not name the field; the app's schemas write sentences that do. */
const ZOD_WORDING = /^(Invalid|Too (small|big)|Unrecognized key|Expected)/;

/** A rejected input in words for the page: each problem once, as a sentence. */
export function inputProblems(error: z.ZodError): string {
  const lines = error.issues.map((i) => {
    const m = i.message.trim();
    const said = ZOD_WORDING.test(m) && i.path.length > 0 ? `${i.path.join('.')}: ${m}` : m;
    return /[.!?)]$/.test(said) ? said : `${said}.`;
  });
  return [...new Set(lines)].join(' ');
}

/** Parses a service's input, refusing a bad one as an `invalid` AppError that says what to fix. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new AppError('invalid', inputProblems(result.error), { cause: result.error });
  return result.data;
}
