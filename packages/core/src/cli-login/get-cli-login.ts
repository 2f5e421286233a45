import type { Db } from '@hoop/db';
import { parseInput } from '../errors';
import type { SessionUser } from '../auth/load-session-user';
import { asAppErrors, CliLoginCodeInput, type CliLoginView, cliLoginView } from './cli-login-view';
import { findCliLogin } from './login-requests';

/** The request behind a code, for the signed-in person to check before approving. */
export async function getCliLogin(db: Db, user: SessionUser, input: CliLoginCodeInput): Promise<CliLoginView> {
  const q = parseInput(CliLoginCodeInput, input);
  return cliLoginView(await asAppErrors(() => findCliLogin(db, q.code)), user.id);
}
