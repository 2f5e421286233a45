import type { WebSocket } from 'ws';
import type { Db } from '@hoop/db';
import type { AgentConnection } from '@hoop/protocol';
import { decryptSecret } from '@hoop/db';
import type { Tunnel } from '@hoop/protocol';
import type { AgentIdentity } from './auth';
import type { Logger } from '@hoop/log';

export interface AgentLink {
  identity: AgentIdentity;
  tunnel: Tunnel;
  ws: WebSocket;
  lastPong: number;
  /** sessions routed to this agent over this link */
  sessions: Set<string>;
}

/** Agents connected to this gateway, by agent id. */
export class AgentRegistry {
  private readonly links = new Map<string, AgentLink>();

  constructor(private readonly db: Db, private readonly encryptionKey: Buffer, private readonly log: Logger) {}

  get(agentId: string): AgentLink | undefined {
    return this.links.get(agentId);
  }

  all(): AgentLink[] {
    return [...this.links.values()];
  }

  async add(link: AgentLink): Promise<void> {
    const previous = this.links.get(link.identity.id);
    if (previous && previous !== link) {
      this.log.warn('agent connected again; closing its previous tunnel', { agent: link.identity.name });
      previous.ws.close(4000, 'replaced by a newer connection');
    }
    this.links.set(link.identity.id, link);
    const now = new Date();
    await this.db.agent.update({ where: { id: link.identity.id }, data: { connectedAt: now, lastSeenAt: now } });
    await this.pushConfig(link);
  }

  async remove(link: AgentLink): Promise<void> {
    if (this.links.get(link.identity.id) !== link) return;
    this.links.delete(link.identity.id);
    await this.db.agent.update({ where: { id: link.identity.id }, data: { connectedAt: null } }).catch(() => undefined);
  }

  async seen(link: AgentLink, info?: { version?: string; hostname?: string }): Promise<void> {
    link.lastPong = Date.now();
    await this.db.agent
      .update({ where: { id: link.identity.id }, data: { lastSeenAt: new Date(), ...(info ?? {}) } })
      .catch((err: Error) => this.log.warn('could not record heartbeat', { error: err.message }));
  }

  /** Sends the agent the connections it serves (again after any change). */
  async pushConfig(link: AgentLink): Promise<void> {
    const rows = await this.db.connection.findMany({ where: { agentId: link.identity.id }, include: { policy: true } });
    const connections: AgentConnection[] = [];
    for (const c of rows) {
      let secret: string | null = null;
      if (c.secretRef === 'stored' && c.secretEncrypted) {
        try {
          secret = decryptSecret(c.secretEncrypted, this.encryptionKey);
        } catch {
          this.log.error('stored secret cannot be decrypted with HOOP_ENCRYPTION_KEY', { connection: c.name });
        }
      }
      connections.push({
        id: c.id,
        name: c.name,
        type: c.type as AgentConnection['type'],
        config: c.config as Record<string, unknown>,
        secretRef: c.secretRef,
        secret,
        readOnly: c.readOnly,
        policy: c.policy?.document ?? null,
        policyVersion: c.policy?.version ?? null,
      });
    }
    link.tunnel.send('config', { connections });
  }

  async pushConfigToOrg(orgId: string): Promise<void> {
    for (const link of this.links.values()) if (orgId === '*' || link.identity.orgId === orgId) await this.pushConfig(link);
  }
}
