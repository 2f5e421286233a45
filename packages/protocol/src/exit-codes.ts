/** Exit codes of the `hoop` command, one meaning each (documented in `hoop --help` and the README). */
export const EXIT = {
  ok: 0,
  /** the target answered with an error */
  targetError: 1,
  /** bad usage or configuration */
  usage: 2,
  /** blocked by policy */
  blocked: 3,
  /** approval rejected or expired */
  rejected: 4,
  /** could not reach the gateway or the agent */
  unreachable: 5,
} as const;

/** SQLSTATE the agent uses for statements stopped by policy; the CLI maps it to EXIT.blocked. */
export const SQLSTATE_BLOCKED = '42501';
/** Marker at the start of every message the agent writes for a policy decision. */
export const BLOCKED_PREFIX = 'blocked by hoop';
/** Marker at the start of the message of a statement whose review was rejected, expired or revoked (EXIT.rejected). */
export const REVIEW_PREFIX = 'not approved by hoop review';
/** Marker at the start of the notice a held statement sends: `waiting for approval: <url>`. */
export const WAITING_PREFIX = 'waiting for approval';
