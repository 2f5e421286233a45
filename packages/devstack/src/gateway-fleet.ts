import { type Balanced, startHaproxy } from './haproxy';
import { freePort, type Service, waitFor } from './process';
import { type GatewayOptions, startGatewayService } from './services';

/** One gateway of a fleet: its own ports (the load balancer's are the fleet's) and its process. */
export interface FleetGateway {
  index: number;
  port: number;
  pgPort: number | null;
  service: Service;
  /** http://127.0.0.1:port: this gateway alone, past the load balancer */
  url: string;
}

export interface GatewayFleet {
  gateways: FleetGateway[];
  lb: Balanced;
  /** kill -9 one gateway (its row in `gateways` expires; agents drop it) */
  kill(index: number): Promise<void>;
  /** starts a killed or stopped gateway again on its ports */
  restart(index: number): Promise<void>;
  /** waits until every running gateway holds a tunnel of `agents` agents (its /healthz) */
  waitAgents(agents: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Several gateways, separate processes over one database, behind HAProxy in TCP mode (HTTP and the tunnels on one
 * port, the Postgres listener on another), as a deployment runs them. Each registers its own address as the one
 * agents dial it at; they beat every `beatMs` and a gateway silent for `expiryMs` is dead.
 */
export async function startGatewayFleet(
  base: Omit<GatewayOptions, 'port' | 'pgPort'> & { withPg: boolean },
  count: number,
  o: { beatMs?: number; expiryMs?: number; logDir?: string } = {},
): Promise<GatewayFleet> {
  const ports = await Promise.all(Array.from({ length: count }, async () => ({ http: await freePort(), pg: base.withPg ? await freePort() : null })));
  const options = (i: number): GatewayOptions => ({
    ...base,
    port: ports[i]!.http,
    ...(ports[i]!.pg ? { pgPort: ports[i]!.pg! } : {}),
    ...(o.logDir ? { logDir: `${o.logDir}/gateway-${i}` } : {}),
    env: {
      ...base.env,
      HOOP_GATEWAY_INTERNAL_URL: `ws://127.0.0.1:${ports[i]!.http}`,
      HOOP_GATEWAY_BEAT_MS: String(o.beatMs ?? 500),
      HOOP_GATEWAY_EXPIRY_MS: String(o.expiryMs ?? 2000),
    },
  });
  const start = async (i: number): Promise<FleetGateway> => {
    const service = await startGatewayService(options(i));
    return { index: i, port: ports[i]!.http, pgPort: ports[i]!.pg, service, url: `http://127.0.0.1:${ports[i]!.http}` };
  };
  // the first one alone: it makes what the gateways share once (the Postgres listener's certificate)
  const gateways = [await start(0)];
  gateways.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)))));
  const lb = await startHaproxy(ports, o.logDir ? { logDir: o.logDir } : {});
  const running = new Set(gateways.map((g) => g.index));
  return {
    gateways,
    lb,
    async kill(i) {
      running.delete(i);
      await gateways[i]!.service.stop('SIGKILL');
    },
    async restart(i) {
      gateways[i] = await start(i);
      running.add(i);
    },
    async waitAgents(agents, timeoutMs = 30_000) {
      for (const g of gateways.filter((x) => running.has(x.index)))
        await waitFor(
          `gateway ${g.index} to hold ${agents} agents`,
          async () => {
            const res = await fetch(`${g.url}/healthz`, { signal: AbortSignal.timeout(2000) });
            return ((await res.json()) as { agents: number }).agents >= agents ? true : null;
          },
          { service: g.service, timeoutMs },
        );
    },
    async stop() {
      await lb.stop();
      await Promise.all(gateways.map((g) => g.service.stop()));
    },
  };
}
