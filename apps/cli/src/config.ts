import { existsSync } from 'node:fs';
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

/**
 * Where the CLI keeps its login: $HOOP_CONFIG, else a `.hoop/cli.json` in this folder or a parent (written by
 * `npm start` for the demo), else ~/.config/hoop/config.json.
 */
export function configPath(env: CliEnv): string {
  if (env.configPath) return env.configPath;
  for (let dir = env.cwd; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.hoop', 'cli.json');
    if (existsSync(candidate)) return candidate;
    if (dir === path.dirname(dir)) break;
  }
  return defaultConfigPath(env);
}

export async function loadConfig(env: CliEnv): Promise<CliConfig> {
  const file = configPath(env);
  let stored: Partial<CliConfig> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(await readFile(file, 'utf8')) as Partial<CliConfig>;
    } catch {
      throw usage(`${file} is not valid JSON; run \`hoop login\` again`);
    }
  }
  const merged = { ...stored, ...(env.gatewayUrl ? { gatewayUrl: env.gatewayUrl } : {}), ...(env.token ? { token: env.token } : {}) };
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
