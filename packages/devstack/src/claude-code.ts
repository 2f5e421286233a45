import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { announcedClaudeCodeSkip, inheritedEnv } from './env';
import { REPO_ROOT } from './process';

const run = promisify(execFile);

/** The Claude Code release the tests drive (the npm package ships the native `claude` program). */
export const CLAUDE_CODE_VERSION = '2.1.197';

const DIR = path.join(REPO_ROOT, '.hoop', 'tools', `claude-code-${CLAUDE_CODE_VERSION}`);

/** the native program inside an installed copy: the postinstall copy in bin/, else the platform package's own */
function binaryIn(dir: string): string | null {
  const wrapper = path.join(dir, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
  // without its postinstall, bin/claude.exe is a small placeholder
  if (existsSync(wrapper) && statSync(wrapper).size > 1024 * 1024) return wrapper;
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const platform = `${process.platform === 'darwin' ? 'darwin' : 'linux'}-${arch}`;
  const native = path.join(dir, 'node_modules', '@anthropic-ai', `claude-code-${platform}`, 'claude');
  return existsSync(native) ? native : null;
}

/** the variable through which `npm test` says it could not install Claude Code (see announcedClaudeCodeSkip) */
export const CLAUDE_CODE_SKIP_VAR = 'HOOP_TEST_SKIP_CLAUDE_CODE';

/**
 * Claude Code for a test file: its program, or null when the test should be skipped — only when `npm test` announced
 * that it could not install it (and said why). Run any other way, an install that fails throws its reason.
 */
export async function claudeCodeForTests(): Promise<string | null> {
  const r = await claudeCode();
  if ('path' in r) return r.path;
  if (announcedClaudeCodeSkip()) return null;
  throw new Error(r.skip);
}

let installing: Promise<{ path: string } | { skip: string }> | null = null;

/**
 * The real Claude Code (`claude`), installed on first use from npm into .hoop/tools (it is ~240 MB, so it is not a
 * dependency of every install). `skip` says why it could not be had (no network, no npm): tests then skip, saying so.
 * Several test processes may ask at once: each installs into a folder of its own and the first to finish keeps its copy.
 */
export function claudeCode(): Promise<{ path: string } | { skip: string }> {
  installing ??= install();
  return installing;
}

async function install(): Promise<{ path: string } | { skip: string }> {
  const ready = binaryIn(DIR);
  if (ready) return { path: ready };
  const tmp = `${DIR}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await mkdir(tmp, { recursive: true });
    await run('npm', ['install', '--prefix', tmp, `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'], {
      env: inheritedEnv(),
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (!binaryIn(tmp)) throw new Error('the package installed without the program for this platform');
    await rename(tmp, DIR).catch(async (err: NodeJS.ErrnoException) => {
      // another process got there first: its copy is as good
      if (!binaryIn(DIR)) throw err;
      await rm(tmp, { recursive: true, force: true });
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    const e = err as Error & { stderr?: string };
    return { skip: `Claude Code ${CLAUDE_CODE_VERSION} could not be installed from npm: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}` };
  }
  const found = binaryIn(DIR);
  return found ? { path: found } : { skip: `Claude Code ${CLAUDE_CODE_VERSION} installed, but its program is not in ${DIR}` };
}

/**
 * The environment `claude -p` runs in for a test: a throwaway HOME, no updater, no telemetry or other traffic, and its
 * model API at `baseUrl` with `token` as its credential (ANTHROPIC_AUTH_TOKEN: sent as `Authorization: Bearer`).
 */
export function claudeEnv(home: string, baseUrl: string, token: string): NodeJS.ProcessEnv {
  const base = inheritedEnv();
  return {
    PATH: base.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_AUTH_TOKEN: token,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
}
