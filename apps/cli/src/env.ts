import { homedir } from 'node:os';
import path from 'node:path';

/** The only place the CLI reads its environment. */
export interface CliEnv {
  gatewayUrl?: string;
  token?: string;
  configPath?: string;
  home: string;
  cwd: string;
  noColor: boolean;
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Readonly<CliEnv> {
  return Object.freeze({
    gatewayUrl: source.HOOP_GATEWAY_URL || undefined,
    token: source.HOOP_TOKEN || undefined,
    configPath: source.HOOP_CONFIG || undefined,
    home: source.HOME || homedir(),
    cwd: process.cwd(),
    noColor: Boolean(source.NO_COLOR),
  });
}

export function defaultConfigPath(env: CliEnv): string {
  return path.join(env.home, '.config', 'hoop', 'config.json');
}
