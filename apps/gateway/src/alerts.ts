import { createHmac } from 'node:crypto';
import { type Db, decryptSecret } from '@hoop/db';
import type { AuditEventBody } from '@hoop/protocol';
import type { Logger } from '@hoop/log';

export type AlertKind = 'statement.blocked' | 'statement.review';

interface SessionContext {
  orgId: string;
  user: string;
  connection: string;
  mode: string;
}

/**
 * Tells an org's webhooks about security events as the agent reports them: statements a guardrail stopped or held
 * for review. Delivery is signed (`X-Hoop-Signature: sha256=<hmac of timestamp.body>`), retried three times, and
 * never slows the session down. Only the masked statement text the agent recorded is sent.
 */
export class AlertDispatcher {
  private readonly sessions = new Map<string, SessionContext>();
  private readonly hooks = new Map<string, { at: number; list: { id: string; url: string; secret: string | null; events: string[] }[] }>();

  constructor(
    private readonly db: Db,
    private readonly encryptionKey: Buffer,
    private readonly log: Logger,
    private readonly slack: {
      blocked(orgId: string, ctx: { user: string; connection: string; mode: string }, event: AuditEventBody): Promise<void>;
    } | null = null,
  ) {}

  /** Looks at an audit event; dispatches in the background when it is one webhooks care about. */
  observe(sessionId: string, event: AuditEventBody): void {
    if (event.type !== 'statement') return;
    const decision = event.data.decision;
    if (decision !== 'deny' && decision !== 'review') return;
    const kind: AlertKind = decision === 'deny' ? 'statement.blocked' : 'statement.review';
    void this.dispatch(kind, sessionId, event).catch((err: Error) => this.log.warn('alert dispatch failed', { error: err.message }));
  }

  private async context(sessionId: string): Promise<SessionContext | null> {
    const cached = this.sessions.get(sessionId);
    if (cached) return cached;
    const s = await this.db.session.findUnique({
      where: { id: sessionId },
      include: { user: { select: { email: true } }, connection: { select: { name: true } } },
    });
    if (!s) return null;
    const ctx = { orgId: s.orgId, user: s.user.email, connection: s.connection.name, mode: s.mode };
    if (this.sessions.size > 10_000) this.sessions.clear();
    this.sessions.set(sessionId, ctx);
    return ctx;
  }

  private async webhooks(orgId: string) {
    const cached = this.hooks.get(orgId);
    if (cached && Date.now() - cached.at < 10_000) return cached.list;
    const rows = await this.db.webhook.findMany({ where: { orgId, enabled: true } });
    const list = rows.map((w) => {
      let secret: string | null = null;
      if (w.secretEncrypted) {
        try {
          secret = decryptSecret(w.secretEncrypted, this.encryptionKey);
        } catch {
          this.log.error('webhook secret cannot be decrypted with HOOP_ENCRYPTION_KEY', { webhook: w.name });
        }
      }
      return { id: w.id, url: w.url, secret, events: w.events };
    });
    this.hooks.set(orgId, { at: Date.now(), list });
    return list;
  }

  private async dispatch(kind: AlertKind, sessionId: string, event: AuditEventBody): Promise<void> {
    const ctx = await this.context(sessionId);
    if (!ctx) return;
    // held statements reach Slack as review requests; blocked ones are posted here
    if (kind === 'statement.blocked' && this.slack) void this.slack.blocked(ctx.orgId, ctx, event);
    const targets = (await this.webhooks(ctx.orgId)).filter((w) => w.events.includes(kind));
    if (targets.length === 0) return;
    const d = event.data;
    const body = JSON.stringify({
      type: kind,
      at: event.at,
      sessionId,
      user: ctx.user,
      connection: ctx.connection,
      mode: ctx.mode,
      statement: d.sql ?? null,
      ruleId: d.ruleId ?? null,
      reason: d.reason ?? null,
    });
    await Promise.all(targets.map((w) => this.deliver(w, body)));
  }

  private async deliver(w: { id: string; url: string; secret: string | null }, body: string): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const ts = Math.floor(Date.now() / 1000).toString();
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'hoop-gateway', 'x-hoop-timestamp': ts };
      if (w.secret) headers['x-hoop-signature'] = `sha256=${createHmac('sha256', w.secret).update(`${ts}.${body}`).digest('hex')}`;
      try {
        const res = await fetch(w.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000), redirect: 'error' });
        status = res.status;
        error = res.ok ? null : `HTTP ${res.status}`;
        if (res.ok || (res.status >= 400 && res.status < 500)) break;
      } catch (err) {
        error = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
    await this.db.webhook.update({ where: { id: w.id }, data: { lastDeliveryAt: new Date(), lastStatus: status, lastError: error } }).catch(() => undefined);
  }
}
