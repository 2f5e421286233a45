import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { configPath } from './config';
import type { CliEnv } from './env';
import { parseWaitingNotice, type WaitingNotice } from '@hoop/protocol';

/**
 * What a held statement looks like from the CLI: the NOTICE `waiting for approval: <url>` with the review id and the
 * deadline in its detail, a line on stderr that counts down (animated on a terminal), and the statement kept on disk
 * so `hoop exec --review ID` can re-attach to it later.
 */
export type Waiting = WaitingNotice;
export { parseWaitingNotice };

function left(until: Date | null): string {
  if (!until) return '';
  const s = Math.max(0, Math.round((until.getTime() - Date.now()) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m left` : `${m}:${sec} left`;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Prints the waiting line; on a terminal a spinner with the time left until the request expires. Returns stop(). */
export function showWaiting(w: Waiting, out: NodeJS.WriteStream = process.stderr): () => void {
  out.write(`waiting for approval: ${w.url}\n`);
  if (!out.isTTY) return () => undefined;
  let i = 0;
  const draw = () =>
    out.write(
      `\r\x1b[2K${FRAMES[i++ % FRAMES.length]} waiting for a reviewer${w.expiresAt ? ` (${left(w.expiresAt)})` : ''} — Ctrl-C stops waiting; ` +
        `re-attach with \`hoop exec --review ${w.reviewId}\``,
    );
  draw();
  const timer = setInterval(draw, 120);
  return () => {
    clearInterval(timer);
    out.write('\r\x1b[2K');
  };
}

function pendingFile(env: CliEnv, reviewId: string): string {
  return path.join(path.dirname(configPath(env)), 'pending-reviews', `${reviewId.replace(/[^0-9a-f-]/gi, '')}.sql`);
}

/**
 * Keeps the statement for `hoop exec --review ID`. Synchronous, and called before the waiting line is shown: whoever
 * reads that line and stops exec (Ctrl-C) finds the statement kept.
 */
export function rememberStatement(env: CliEnv, reviewId: string, sql: string): void {
  const file = pendingFile(env, reviewId);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, sql, { mode: 0o600 });
}

export async function recallStatement(env: CliEnv, reviewId: string): Promise<string | null> {
  return readFile(pendingFile(env, reviewId), 'utf8').catch(() => null);
}

export async function forgetStatement(env: CliEnv, reviewId: string): Promise<void> {
  await rm(pendingFile(env, reviewId), { force: true });
}
