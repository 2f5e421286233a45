import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './process';
import { prebuiltBundlesJson, setPrebuiltBundlesJson } from './env';

/** what scripts/service.mjs prints after a build: the bundle's entry file, and how node runs it */
export interface Bundle {
  file: string;
  nodeArgs: string[];
  env: Record<string, string>;
}
export type BundledApp = 'agent' | 'gateway' | 'cli';
const APPS: BundledApp[] = ['agent', 'gateway', 'cli'];

/**
 * Bundles built once for a whole test run (`prebuildBundles`, from the runner's global setup), handed to the test
 * processes through their environment: each test file runs in a process of its own, which would otherwise build the
 * agent, the gateway and the CLI again (about 1.2 s of CPU for the three).
 */
export { PREBUILT_BUNDLES_VAR } from './env';

const built = new Map<BundledApp, Bundle>();

function prebuilt(app: BundledApp): Bundle | undefined {
  const raw = prebuiltBundlesJson();
  if (!raw) return undefined;
  try {
    const b = (JSON.parse(raw) as Partial<Record<BundledApp, Bundle>>)[app];
    return b && existsSync(b.file) ? b : undefined;
  } catch {
    return undefined;
  }
}

const buildArgs = (app: BundledApp, dir: string) => [path.join(REPO_ROOT, 'scripts/service.mjs'), 'build', app, dir];
const buildFailed = (app: BundledApp, err: unknown) =>
  new Error(`could not build the ${app}: ${(err as { stderr?: string }).stderr || (err as Error).message}`);

/**
 * The agent, the gateway or the CLI bundled from its sources by scripts/service.mjs: the run's prebuilt one, else built
 * once per process (sources do not change under a running test or stack) into a folder removed when the process exits.
 */
export function bundleOf(app: BundledApp): Bundle {
  let b = built.get(app) ?? prebuilt(app);
  if (!b) {
    const dir = mkdtempSync(path.join(tmpdir(), `hoop-${app}-`));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    try {
      b = JSON.parse(execFileSync(process.execPath, buildArgs(app, dir), { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Bundle;
    } catch (err) {
      throw buildFailed(app, err);
    }
  }
  built.set(app, b);
  return b;
}

/**
 * Builds the three bundles side by side into one folder and sets PREBUILT_BUNDLES_VAR in this process's environment,
 * which the test processes started after it inherit; `dispose` removes the folder.
 */
export async function prebuildBundles(): Promise<{ dispose(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hoop-bundles-'));
  const run = promisify(execFile);
  try {
    const all = await Promise.all(
      APPS.map(async (app) => {
        const appDir = path.join(dir, app);
        const { stdout } = await run(process.execPath, buildArgs(app, appDir), { cwd: REPO_ROOT, encoding: 'utf8' }).catch((err: unknown) => {
          throw buildFailed(app, err);
        });
        return [app, JSON.parse(stdout) as Bundle] as const;
      }),
    );
    setPrebuiltBundlesJson(JSON.stringify(Object.fromEntries(all)));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dispose() {
      setPrebuiltBundlesJson(undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
