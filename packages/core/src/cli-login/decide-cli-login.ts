import type { Db } from '@hoop/db';
import { parseInput } from '../errors';
import type { SessionUser } from '../auth/load-session-user';
import { asAppErrors, CliLoginCodeInput, type CliLoginView, cliLoginView } from './cli-login-view';
import { decideCliLogin as decideLoginRequest } from './login-requests';

/**
 * Approves or denies a `hoop login` waiting in a terminal. Approving hands the CLI that polls for it one API token of
 * the signed-in user (with the scope and lifetime shown on the page), once.
 */
export async function decideCliLogin(db: Db, user: SessionUser, decision: 'approve' | 'deny', input: CliLoginCodeInput): Promise<CliLoginView> {
  const q = parseInput(CliLoginCodeInput, input);
  return cliLoginView(await asAppErrors(() => decideLoginRequest(db, q.code, user, decision)), user.id);
}
