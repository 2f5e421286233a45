/**
 * Expected failures of the control plane. Services throw `AppError`; the tRPC layer maps each code once
 * (see `api/trpc.ts`) and pages map them to messages.
 */
export const APP_ERROR_CODES = ['unauthenticated', 'forbidden', 'not_found', 'conflict', 'invalid', 'unavailable'] as const;
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
