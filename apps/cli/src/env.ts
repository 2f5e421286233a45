import { homedir } from 'node:os';
import path from 'node:path';

/** The only place the CLI reads its environment. */
export interface CliEnv {
  gatewayUrl?: string;
  token?: string;
  configPath?: string;
  /** $HOOP_CONNECT_PASSWORD: the password of `hoop connect`'s local Postgres port (instead of one made per run) */
  connectPassword?: string;
  home: string;
  cwd: string;
  noColor: boolean;
  /** $BROWSER: the program `hoop login` opens its link with (`none`: never open one) */
  browser?: string;
  /** a graphical session is there (DISPLAY or WAYLAND_DISPLAY), so xdg-open can show a browser */
  display: boolean;
  /** $HOOP_CLAUDE: the Claude Code program `hoop claude` runs (default: claude, looked up on PATH) */
  claudeProgram: string;
  /** the environment the programs the CLI runs (claude) start from */
  processEnv: Readonly<NodeJS.ProcessEnv>;
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Readonly<CliEnv> {
  return Object.freeze({
    gatewayUrl: source.HOOP_GATEWAY_URL || undefined,
    token: source.HOOP_TOKEN || undefined,
    configPath: source.HOOP_CONFIG || undefined,
    connectPassword: source.HOOP_CONNECT_PASSWORD || undefined,
    home: source.HOME || homedir(),
    cwd: process.cwd(),
    noColor: Boolean(source.NO_COLOR),
    browser: source.BROWSER || undefined,
    display: Boolean(source.DISPLAY || source.WAYLAND_DISPLAY),
    claudeProgram: source.HOOP_CLAUDE || 'claude',
    processEnv: Object.freeze({ ...source }),
  });
}

export function defaultConfigPath(env: CliEnv): string {
  return path.join(env.home, '.config', 'hoop', 'config.json');
}
