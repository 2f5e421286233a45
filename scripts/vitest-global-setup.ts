// vitest's global setup (vitest.config.ts): the agent, the gateway and the CLI bundled once for the whole run, not once
// per test file (each file runs in a process of its own); the test processes find them through their environment.
import { prebuildBundles } from '@hoop/devstack/bundles';

export default async function setup(): Promise<() => void> {
  const bundles = await prebuildBundles();
  return () => bundles.dispose();
}
