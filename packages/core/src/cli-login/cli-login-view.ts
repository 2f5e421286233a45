import { z } from 'zod';
import { AppError } from '../errors';
import { sentence } from '../review/review-errors';
import { CliLoginError } from './login-requests';

export const CliLoginCodeInput = z.object({
  code: z
    .string()
    .trim()
    .min(1, { error: 'Enter the code your terminal shows, such as BCDF-GHJK.' })
    .max(20, { error: 'The code has 8 letters, such as BCDF-GHJK.' }),
});
export type CliLoginCodeInput = z.input<typeof CliLoginCodeInput>;

/** A `hoop login` request as the approval page shows it. Who decided it is only said when it was the viewer. */
export const CliLoginView = z.object({
  userCode: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'consumed']),
  clientName: z.string(),
  clientAddress: z.string().nullable(),
  scope: z.enum(['full', 'read']),
  tokenDays: z.number().int(),
  createdAt: z.date(),
  /** the request can be approved until then */
  expiresAt: z.date(),
  /** when the token would expire if it were approved now (or when it does, once handed out) */
  tokenExpiresAt: z.date(),
  decidedByViewer: z.boolean(),
  decidedAt: z.date().nullable(),
});
export type CliLoginView = z.infer<typeof CliLoginView>;

interface Row {
  userCode: string;
  status: string;
  clientName: string;
  clientAddress: string | null;
  scope: string;
  tokenDays: number;
  createdAt: Date;
  expiresAt: Date;
  userId: string | null;
  decidedAt: Date | null;
  consumedAt: Date | null;
}

const STATUSES = ['pending', 'approved', 'denied', 'expired', 'consumed'] as const;

export function cliLoginView(r: Row, viewerId: string, now = new Date()): CliLoginView {
  const from = r.consumedAt ?? now;
  return {
    userCode: r.userCode,
    status: (STATUSES as readonly string[]).includes(r.status) ? (r.status as CliLoginView['status']) : 'expired',
    clientName: r.clientName,
    clientAddress: r.clientAddress,
    scope: r.scope === 'read' ? 'read' : 'full',
    tokenDays: r.tokenDays,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    tokenExpiresAt: new Date(from.getTime() + r.tokenDays * 86_400_000),
    decidedByViewer: r.userId === viewerId,
    decidedAt: r.decidedAt,
  };
}

/** Runs an operation of the CLI login (login-requests.ts), turning its `CliLoginError` into an `AppError`. */
export async function asAppErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CliLoginError) throw new AppError(err.code === 'busy' ? 'unavailable' : err.code, sentence(err.message), { cause: err });
    throw err;
  }
}
