import { budgetTokensUsed, type Db, nextUsageDay, type PgQueryable, usageDay } from '@hoop/db';
import { accessRefusal } from '@hoop/core/policy/access-rule';
import { type ClaudeSettings, resolvePolicy } from '@hoop/pipeline/policy';
import type { UserIdentity } from '../auth';
import { modelAllowed, type ModelField } from './model-field';

/**
 * How long a connection's policy is taken again without asking the database: a policy change reaches every gateway
 * within this time. The usage figure is not cached: it is one primary-key range of model_usage_days per Messages
 * request, and read each time it is exact across gateways up to the answers whose records are still on their way
 * (the agent sends an answer's record as the answer ends; a gateway stores it within ~20 ms).
 */
const POLICY_MS = 2_000;
const MAX_CACHED = 10_000;

/** The claude section of the policy a request is judged by. */
export interface ConnectionLimits {
  connectionId: string;
  connection: string;
  policy: string;
  /** null: the policy does not validate, so nothing is let through (fail closed) */
  settings: ClaudeSettings | null;
}

/** A refusal worded as the API words its errors. */
export interface LimitRefusal {
  status: number;
  type: string;
  message: string;
  /** which rule refused: model-allow-list, daily-token-budget, unreadable-model, invalid-policy */
  rule: string;
  headers?: Record<string, string>;
  details: Record<string, unknown>;
}

const human = (n: number) => n.toLocaleString('en-US');

function inTime(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

/**
 * The limits the policy's claude section puts on a model API connection: the models that may be asked for and each
 * user's daily token budget. Both are read from the database (the policy, and the usage the trail adds up in
 * model_usage_days), so every gateway applies the same figures; the policy is cached briefly (POLICY_MS).
 */
export class ModelLimits {
  private readonly policies = new Map<string, { value: { limits: ConnectionLimits; document: unknown } | null; until: number }>();

  constructor(
    private readonly db: Db,
    /** the gateway's own pool: the budget is asked on every Messages request, and node-postgres costs a fifth of Prisma's CPU */
    private readonly pool: PgQueryable,
  ) {}

  /**
   * The limits for `user` on `connection`, or null when the request is the conversation's to refuse (no such
   * connection, not a model API connection, or the user may not use it: its refusal says so in its own words).
   */
  async forConnection(user: UserIdentity, connection: string): Promise<ConnectionLimits | null> {
    const key = `${user.orgId}\n${connection}`;
    const now = Date.now();
    let hit = this.policies.get(key);
    if (!hit || hit.until <= now) {
      const conn = await this.db.connection.findUnique({
        where: { orgId_name: { orgId: user.orgId, name: connection } },
        select: { id: true, name: true, type: true, policy: { select: { name: true, document: true } } },
      });
      let value: { limits: ConnectionLimits; document: unknown } | null = null;
      if (conn?.type === 'anthropic') {
        const document = conn.policy?.document ?? null;
        const r = resolvePolicy(document);
        const limits = {
          connectionId: conn.id,
          connection: conn.name,
          policy: conn.policy?.name ?? 'default',
          settings: 'policy' in r ? r.policy.claude : null,
        };
        value = { limits, document };
      }
      hit = { value, until: now + POLICY_MS };
      if (this.policies.size >= MAX_CACHED) this.policies.clear();
      this.policies.set(key, hit);
    }
    const value = hit.value;
    if (!value) return null;
    return accessRefusal(value.document, value.limits.policy, user, 'claude', value.limits.connection) ? null : value.limits;
  }

  /** The refusal of a request for `model` (read from its body) by the allow-list, or null when it may go. */
  modelRefusal(limits: ConnectionLimits, field: ModelField): LimitRefusal | null {
    const settings = limits.settings;
    if (!settings) return invalidPolicy(limits);
    if (settings.models.length === 0) return null;
    if ('error' in field) {
      return {
        status: 400,
        type: 'invalid_request_error',
        rule: 'unreadable-model',
        message: `hoop: ${field.error}; connection ${limits.connection} allows only some models (policy ${limits.policy}), so the request is refused`,
        details: { error: field.error },
      };
    }
    if (modelAllowed(field.model, settings.models)) return null;
    return {
      status: 403,
      type: 'permission_error',
      rule: 'model-allow-list',
      message:
        `hoop: model ${field.model} is not allowed on connection ${limits.connection} by policy ${limits.policy}; ` + `allowed: ${settings.models.join(', ')}`,
      details: { allowed: settings.models },
    };
  }

  /** The refusal of a Messages request by the user's daily token budget, or null when some of it is left. */
  async budgetRefusal(limits: ConnectionLimits, userId: string, now = new Date()): Promise<LimitRefusal | null> {
    const settings = limits.settings;
    if (!settings) return invalidPolicy(limits);
    const budget = settings.dailyTokensPerUser;
    if (budget === undefined) return null;
    const day = usageDay(now);
    const used = await budgetTokensUsed(this.pool, userId, limits.connectionId, day);
    if (used < budget) return null;
    const resets = nextUsageDay(now);
    const wait = resets.getTime() - now.getTime();
    return {
      status: 429,
      type: 'rate_limit_error',
      rule: 'daily-token-budget',
      message:
        `hoop: the daily token budget of ${human(budget)} tokens per user on connection ${limits.connection} (policy ${limits.policy}) is used up: ` +
        `${human(used)} used today (UTC); it resets at ${resets.toISOString()}, in ${inTime(wait)}`,
      headers: {
        'retry-after': String(Math.ceil(wait / 1000)),
        // Claude Code's API client would otherwise try again several times, each one refused the same way
        'x-should-retry': 'false',
        'anthropic-ratelimit-tokens-limit': String(budget),
        'anthropic-ratelimit-tokens-remaining': '0',
        'anthropic-ratelimit-tokens-reset': resets.toISOString(),
      },
      details: { budget, used, day, resetsAt: resets.toISOString() },
    };
  }
}

function invalidPolicy(limits: ConnectionLimits): LimitRefusal {
  return {
    status: 403,
    type: 'permission_error',
    rule: 'invalid-policy',
    message: `hoop: the policy ${limits.policy} of connection ${limits.connection} does not validate, so no model request is let through; an admin must fix it`,
    details: {},
  };
}
