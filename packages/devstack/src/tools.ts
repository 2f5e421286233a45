import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { announcedMissingTools, chromiumPath, searchPath } from './env';

/**
 * The programs outside Node that some tests drive as a user would (psql, OpenSSH, Chromium, the mariadb client, PyMySQL).
 * `npm test` checks for them before any test runs: as root on Debian it installs what is missing, elsewhere it names
 * what is missing and the command that installs it, and the tests that need a missing program are skipped (never
 * silently: they are listed in HOOP_TEST_SKIP_TOOLS and in the run's summary).
 */
export interface TestTool {
  name: ToolName;
  /** a command looked up on PATH, or an absolute path */
  binary: string;
  /** a Python module instead of a program: present when a Python 3 (see `pythonWith`) imports it */
  pythonModule?: string;
  debianPackage: string;
  /** what cannot be tested without it */
  neededBy: string;
}

export type ToolName = 'psql' | 'ssh' | 'sshd' | 'chromium' | 'mariadb' | 'pymysql' | 'haproxy' | 'kubectl' | 'vim' | 'less';

export const TEST_TOOLS: readonly TestTool[] = [
  { name: 'psql', binary: 'psql', debianPackage: 'postgresql-client', neededBy: 'psql through hoop connect' },
  { name: 'ssh', binary: 'ssh', debianPackage: 'openssh-client', neededBy: 'ssh and scp through hoop' },
  { name: 'sshd', binary: '/usr/sbin/sshd', debianPackage: 'openssh-server', neededBy: 'ssh connections to a real server' },
  { name: 'chromium', binary: chromiumPath(), debianPackage: 'chromium', neededBy: 'the browser tests' },
  { name: 'mariadb', binary: 'mariadb', debianPackage: 'mariadb-client', neededBy: 'the mariadb client through hoop connect' },
  { name: 'haproxy', binary: 'haproxy', debianPackage: 'haproxy', neededBy: 'several gateways behind a load balancer' },
  // Debian's is kubectl 1.20: exec over WebSocket (1.30 on) is tested only where a newer kubectl is installed
  { name: 'kubectl', binary: 'kubectl', debianPackage: 'kubernetes-client', neededBy: 'kubectl through hoop (kubernetes connections)' },
  { name: 'pymysql', binary: 'python3', pythonModule: 'pymysql', debianPackage: 'python3-pymysql', neededBy: 'PyMySQL through hoop connect' },
  { name: 'vim', binary: 'vim', debianPackage: 'vim', neededBy: "the terminal guard inside vim's command line" },
  { name: 'less', binary: 'less', debianPackage: 'less', neededBy: "the terminal guard inside less's shell escape" },
];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The full path of a command (PATH lookup for a bare name), or null when there is none. */
export function findBinary(binary: string): string | null {
  if (binary.includes('/')) return executable(binary) ? binary : null;
  for (const dir of searchPath().split(path.delimiter)) {
    if (dir && executable(path.join(dir, binary))) return path.join(dir, binary);
  }
  return null;
}

/**
 * A Python 3 that imports `module`: the one on PATH, or the system's /usr/bin/python3 (where a Debian package such
 * as python3-pymysql installs; a python3 of pyenv or a virtualenv on PATH does not see it). Null when none does.
 */
export function pythonWith(module: string): string | null {
  for (const python of [findBinary('python3'), findBinary('/usr/bin/python3')]) {
    if (python && spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 30_000 }).status === 0) return python;
  }
  return null;
}

function present(t: TestTool): boolean {
  return t.pythonModule ? pythonWith(t.pythonModule) !== null : findBinary(t.binary) !== null;
}

export function missingTools(tools: readonly TestTool[] = TEST_TOOLS): TestTool[] {
  return tools.filter((t) => !present(t));
}

/** the variable through which `npm test` tells the tests which missing programs it announced */
export const SKIP_TOOLS_VAR = 'HOOP_TEST_SKIP_TOOLS';

/**
 * Whether the tests that need these programs should be skipped: only when one is missing AND `npm test` announced it
 * (HOOP_TEST_SKIP_TOOLS). Run any other way, a missing program fails its tests with the error that names it.
 * Use as `describe.skipIf(skipWithout('psql'))(…)`.
 */
export function skipWithout(...names: ToolName[]): boolean {
  const announced = new Set(announcedMissingTools());
  return names.some((n) => announced.has(n) && !present(TEST_TOOLS.find((t) => t.name === n)!));
}

/** Claude Code is no Debian package: it is installed from npm into .hoop/tools (claude-code.ts) */
export { CLAUDE_CODE_SKIP_VAR, claudeCode } from './claude-code';
