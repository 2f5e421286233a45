/**
 * Before any spec: the web app's production build, once for the whole run (skipped when the last build was made from
 * the same sources), and the agent, gateway and CLI bundles every worker uses. Every spec then starts its own `next
 * start` from it, with its own database and gateway; an edit made to the sources while the run goes on does not
 * rebuild between specs.
 */
import path from 'node:path';
import { REPO_ROOT } from '@hoop/devstack';
import { prebuildBundles } from '@hoop/devstack/bundles';
import { ensureWebBuild } from '../scripts/web-service';

export default async function globalSetup(): Promise<() => void> {
  const started = Date.now();
  const bundles = await prebuildBundles();
  const built = await ensureWebBuild(path.join(REPO_ROOT, '.hoop', 'logs', 'playwright'));
  process.stdout.write(built ? `web app built in ${Math.round((Date.now() - started) / 1000)} s\n` : 'web app build is up to date\n');
  return () => bundles.dispose();
}
