import type { WebSocket } from 'ws';
import type { Db } from '@hoop/db';
import { type AgentConnection, CLOSE_KEY_REVOKED, CLOSE_REPLACED } from '@hoop/protocol';
import { decryptSecret } from '@hoop/db';
import type { GatewayAddress, Tunnel } from '@hoop/protocol';
import type { AgentIdentity } from '../auth';
import type { Logger } from '@hoop/log';

export interface AgentLink {
  identity: AgentIdentity;
  tunnel: Tunnel;
  ws: WebSocket;
  lastPong: number;
  /** sessions routed to this agent over this link */
  sessions: Set<string>;
  /** what the agent announced in its hello (`probe`: it can test connections) */
  capabilities: string[];
  /** `hoop-agent/0.1.0`, as announced */
  software: string | null;
  /** when this link was registered (the agent row's connected_at while this link is its latest) */
  connectedAt?: Date;
  /** acknowledges the session's audit frames up to `seq` (soon: it rides with the next message to the agent) */
  ack(sessionId: string, seq: number): void;
}

type ConnectionRow = {
  id: string;
  name: string;
  type: string;
  config: unknown;
  secretRef: string | null;
  secretEncrypted: string | null;
  readOnly: boolean;
  policy: { document: unknown; version: number } | null;
};

/** Agents connected to this gateway, by agent id. */
export class AgentRegistry {
  private readonly links = new Map<string, AgentLink>();

  constructor(
    private readonly db: Db,
    private readonly encryptionKey: Buffer,
    private readonly log: Logger,
  ) {}

  get(agentId: string): AgentLink | undefined {
    return this.links.get(agentId);
  }

  all(): AgentLink[] {
    return [...this.links.values()];
  }

  /**
   * Registers a link once its agent said hello. Returns false (and closes the link) when its key stopped being valid
   * since the upgrade was authenticated: the key was rotated or the agent deleted in between.
   */
  async add(link: AgentLink): Promise<boolean> {
    const now = new Date();
    // only while the key the agent authenticated with is still its key
    const { count } = await this.db.agent.updateMany({
      where: { id: link.identity.id, keyHash: link.identity.keyHash },
      data: { connectedAt: now, lastSeenAt: now },
    });
    if (count === 0) {
      this.revoke(link, 'agent key rotated or agent deleted');
      return false;
    }
    const previous = this.links.get(link.identity.id);
    if (previous && previous !== link) {
      this.log.warn('agent connected again; closing its previous tunnel', { agent: link.identity.name });
      previous.ws.close(CLOSE_REPLACED, 'replaced by a newer connection');
    }
    link.connectedAt = now;
    this.links.set(link.identity.id, link);
    await this.pushConfig(link);
    return true;
  }

  /**
   * Ends the tunnels of agents (of one org, or `'*'` for all) whose key is no longer the one they connected with, or
   * that no longer exist: called on every configuration notification, so rotating a key or deleting an agent in the
   * web app disconnects it at once, whichever gateway holds it.
   */
  async revalidate(orgId: string): Promise<void> {
    const held = [...this.links.values()].filter((l) => orgId === '*' || l.identity.orgId === orgId);
    if (held.length === 0) return;
    const rows = await this.db.agent.findMany({ where: { id: { in: held.map((l) => l.identity.id) } }, select: { id: true, keyHash: true } });
    const current = new Map(rows.map((r) => [r.id, r.keyHash]));
    for (const link of held) {
      const keyHash = current.get(link.identity.id);
      if (keyHash === link.identity.keyHash) continue;
      this.revoke(link, keyHash === undefined ? 'agent deleted' : 'agent key rotated');
    }
  }

  /** Closes a link whose key is no longer valid: no new session reaches it from now on, and its sessions end. */
  private revoke(link: AgentLink, reason: string): void {
    this.log.warn('closing the tunnel of an agent whose key is no longer valid', { agent: link.identity.name, reason });
    const registered = this.links.get(link.identity.id) === link;
    if (registered) this.links.delete(link.identity.id);
    link.tunnel.shutdown(reason);
    link.ws.close(CLOSE_KEY_REVOKED, reason);
    // an agent that does not answer the close handshake is cut off anyway
    setTimeout(() => link.ws.terminate(), 2000).unref();
    if (registered) void this.markDisconnected(link);
  }

  /**
   * Clears the agent's connected state, unless the agent has connected again since (maybe through another gateway):
   * only the link that set connected_at clears it.
   */
  private async markDisconnected(link: AgentLink): Promise<void> {
    if (!link.connectedAt) return;
    await this.db.agent.updateMany({ where: { id: link.identity.id, connectedAt: link.connectedAt }, data: { connectedAt: null } }).catch(() => undefined);
  }

  async remove(link: AgentLink): Promise<void> {
    if (this.links.get(link.identity.id) !== link) return;
    this.links.delete(link.identity.id);
    await this.markDisconnected(link);
  }

  async seen(link: AgentLink, info?: { version?: string; hostname?: string }): Promise<void> {
    link.lastPong = Date.now();
    await this.db.agent
      .update({ where: { id: link.identity.id }, data: { lastSeenAt: new Date(), ...(info ?? {}) } })
      .catch((err: Error) => this.log.warn('could not record heartbeat', { error: err.message }));
    // with several gateways, another gateway's link may have cleared connected_at as it ended: this live link sets it
    // again (as its own, so that only this link clears it), and the agent shows online again within one heartbeat
    if (link.connectedAt && this.links.get(link.identity.id) === link)
      await this.db.agent
        .updateMany({ where: { id: link.identity.id, connectedAt: null, keyHash: link.identity.keyHash }, data: { connectedAt: link.connectedAt } })
        .catch(() => undefined);
  }

  /** Tells every agent that says it can keep several tunnels which gateways are live now. */
  announceGateways(live: GatewayAddress[]): void {
    for (const link of this.links.values()) if (link.capabilities.includes('gateways')) link.tunnel.send('gateways', { gateways: live });
  }

  /** Sends the agent the connections it serves (again after any change). */
  async pushConfig(link: AgentLink): Promise<void> {
    const rows = await this.db.connection.findMany({ where: { agentId: link.identity.id }, include: { policy: true } });
    link.tunnel.send('config', { connections: rows.map((c) => this.agentConnection(c)) });
  }

  /** A connection as its agent gets it: a stored secret opened for it alone (and only ever sent to it). */
  agentConnection(c: ConnectionRow): AgentConnection {
    let secret: string | null = null;
    if (c.secretRef === 'stored' && c.secretEncrypted) {
      try {
        secret = decryptSecret(c.secretEncrypted, this.encryptionKey);
      } catch {
        this.log.error('stored secret cannot be decrypted with HOOP_ENCRYPTION_KEY', { connection: c.name });
      }
    }
    return {
      id: c.id,
      name: c.name,
      type: c.type as AgentConnection['type'],
      config: c.config as Record<string, unknown>,
      secretRef: c.secretRef,
      secret,
      readOnly: c.readOnly,
      policy: c.policy?.document ?? null,
      policyVersion: c.policy?.version ?? null,
    };
  }

  async pushConfigToOrg(orgId: string): Promise<void> {
    for (const link of this.links.values()) if (orgId === '*' || link.identity.orgId === orgId) await this.pushConfig(link);
  }
}
