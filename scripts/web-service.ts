import type { Service } from '@hoop/devstack';

export interface WebOptions { databaseUrl: string; port: number; authSecret: string; gatewayUrl: string; logDir: string }

/** Placeholder until the web app exists: no web service. */
export async function startWebService(_o: WebOptions): Promise<Service> {
  throw new Error('the web app is not built yet');
}
