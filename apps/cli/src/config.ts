import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type CliEnv, defaultConfigPath } from './env';
import { usage } from './errors';

const schema = z.object({
  gatewayUrl: z.string().url(),
  token: z.string().min(8),
  webUrl: z.string().url().optional(),
  user: z.string().optional(),
});
export type CliConfig = z.infer<typeof schema>;

export interface ConfigLocation {
  file: string;
  /** found by walking up from the current folder (a project's `.hoop/cli.json`), not named by the user */
  found: boolean;
}

/**
 * A `.hoop/cli.json` found in a parent folder is only used when it is the current user's own: owned by them, and
 * neither it nor its folder writable by anybody else. Otherwise somebody else could point the CLI at their gateway.
 */
function ownFile(file: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  try {
    return [file, path.dirname(file)].every((p) => {
      const st = statSync(p);
      return st.uid === uid && (st.mode & 0o022) === 0;
    });
  } catch {
    return false;
  }
}

/**
 * Where the CLI keeps its login: $HOOP_CONFIG, else a `.hoop/cli.json` in this folder or a parent (written by
 * `npm start` for the demo) that is the user's own, else ~/.config/hoop/config.json.
 */
export function configLocation(env: CliEnv): ConfigLocation {
  if (env.configPath) return { file: env.configPath, found: false };
  for (let dir = env.cwd; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.hoop', 'cli.json');
    if (existsSync(candidate)) {
      if (ownFile(candidate)) return { file: candidate, found: true };
      process.stderr.write(`hoop: ignoring ${candidate}: it is not yours alone (another owner, or others may write to it)\n`);
      break;
    }
    if (dir === path.dirname(dir)) break;
  }
  return { file: defaultConfigPath(env), found: false };
}

export function configPath(env: CliEnv): string {
  return configLocation(env).file;
}

/** What the config file at the CLI's location holds (nothing when there is none). */
export async function readStoredConfig(location: ConfigLocation): Promise<Partial<CliConfig>> {
  if (!existsSync(location.file)) return {};
  try {
    return JSON.parse(await readFile(location.file, 'utf8')) as Partial<CliConfig>;
  } catch {
    throw usage(`${location.file} is not valid JSON; run \`hoop login\` again`);
  }
}

const origin = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};

/**
 * The login to use. A token only ever goes to the gateway it was saved with: a saved token is not sent to another
 * HOOP_GATEWAY_URL, and HOOP_TOKEN is not sent to a gateway named by a `.hoop/cli.json` found in a parent folder.
 */
export async function loadConfig(env: CliEnv): Promise<CliConfig> {
  const location = configLocation(env);
  const stored = await readStoredConfig(location);
  let merged: Partial<CliConfig>;
  if (env.token) {
    if (!env.gatewayUrl && location.found && stored.gatewayUrl) {
      throw usage(
        `HOOP_TOKEN is set without HOOP_GATEWAY_URL: set it to the gateway the token was issued for (` +
          `${location.file} names ${stored.gatewayUrl}, which is not trusted with a token from elsewhere)`,
      );
    }
    const gatewayUrl = env.gatewayUrl ?? stored.gatewayUrl;
    const sameGateway = gatewayUrl !== undefined && stored.gatewayUrl !== undefined && origin(gatewayUrl) === origin(stored.gatewayUrl);
    merged = { gatewayUrl, token: env.token, ...(sameGateway && stored.webUrl ? { webUrl: stored.webUrl } : {}) };
  } else {
    if (env.gatewayUrl && stored.token && stored.gatewayUrl && origin(env.gatewayUrl) !== origin(stored.gatewayUrl)) {
      throw usage(
        `the token saved in ${location.file} was issued for ${stored.gatewayUrl}, not HOOP_GATEWAY_URL=${env.gatewayUrl}: ` +
          `set HOOP_TOKEN too, or run \`hoop login --gateway ${env.gatewayUrl}\``,
      );
    }
    merged = { ...stored, ...(env.gatewayUrl ? { gatewayUrl: env.gatewayUrl } : {}) };
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) throw usage('not logged in: run `hoop login --gateway http://HOST:8009 --token TOKEN` (or set HOOP_GATEWAY_URL and HOOP_TOKEN)');
  return parsed.data;
}

export async function saveConfig(env: CliEnv, config: CliConfig, file = configPath(env)): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}
