import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AuditEventBody, Tunnel } from '@hoop/protocol';
import { boundEvent } from './audit-bounds';
import { TunnelRoutes } from './tunnel-routes';

interface Frame {
  sessionId: string;
  seq: number;
  event: AuditEventBody;
}

/** `sentAt`: when the oldest unacknowledged frame was last sent (or an ack last moved); `wait`: until it is sent again */
interface SessionSpool {
  frames: Frame[];
  /** the spool file's descriptor (appending) */
  file: number | null;
  ended: boolean;
  sentAt: number;
  wait: number;
  /** the tunnel its frames were last sent on (null: none yet, or they wait for one) */
  via: Tunnel | null;
}

const SESSION_FILE = /^([0-9a-f-]{36})\.jsonl$/;
/** the longest a session's unacknowledged frames wait before they are sent again (the wait doubles up to it) */
const MAX_RESEND_MS = 5 * 60_000;

/**
 * Audit frames leave the agent in order, numbered per session, and stay until the gateway acknowledges them (after
 * it committed them); after a reconnect every unacknowledged frame is sent again, and the gateway ignores the ones it
 * already has. With a spool folder, frames are also appended to `<session>.jsonl` there, so an agent restart loses
 * none either; a session's file is removed once the session ended and all of it was acknowledged. Only masked data
 * is ever put in a frame. Frames that stay unacknowledged on a live connection (the gateway could not store them yet,
 * or holds later ones for an earlier frame it did not get) are sent again after `resendMs`, then after twice as long,
 * up to five minutes, until an acknowledgement moves.
 */
export class AuditOutbox {
  private readonly sessions = new Map<string, SessionSpool>();
  private readonly nextSeq = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spoolDir: string | null = null,
    private readonly resendMs = 15_000,
    /** the spool folder could not be written: frames of that session are kept in memory only */
    private readonly onSpoolError: (sessionId: string, err: Error) => void = () => undefined,
    /** the tunnels to the gateways, and which session came on which */
    readonly routes = new TunnelRoutes(),
  ) {
    if (spoolDir) {
      mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
      this.recover(spoolDir);
    }
  }

  /** frames spooled by a previous run of the agent: sent again on the next connection */
  private recover(dir: string): void {
    for (const name of readdirSync(dir)) {
      const m = SESSION_FILE.exec(name);
      if (!m) continue;
      const frames: Frame[] = [];
      for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
        if (!line) continue;
        try {
          frames.push(JSON.parse(line) as Frame);
        } catch {
          // a line cut short by a crash: everything before it is intact
        }
      }
      if (frames.length === 0) {
        unlinkSync(path.join(dir, name));
        continue;
      }
      this.sessions.set(m[1]!, { frames, file: null, ended: true, sentAt: 0, wait: this.resendMs, via: null });
    }
  }

  /** one gateway's link: this tunnel is the only one from now on (null: there is none) */
  attach(tunnel: Tunnel | null): void {
    this.routes.only(tunnel);
    this.rerouted();
  }

  /** a gateway welcomed the agent on this tunnel: frames that wait for one go now */
  up(tunnel: Tunnel): void {
    this.routes.up(tunnel);
    this.rerouted();
  }

  /** this tunnel is lost: the frames it had not had acknowledged go through another live one, if any */
  down(tunnel: Tunnel): void {
    this.routes.down(tunnel);
    this.rerouted();
  }

  /** sends every unacknowledged frame whose tunnel is gone on its session's route now */
  private rerouted(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (!this.routes.isLive(s.via)) this.send(id, s, now, this.resendMs);
    if (this.routes.any && !this.timer) {
      this.timer = setInterval(() => this.resendStale(), Math.max(50, Math.floor(this.resendMs / 4)));
      this.timer.unref();
    } else if (!this.routes.any && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** sends again the frames of sessions whose acknowledgements stopped moving */
  private resendStale(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (s.frames.length > 0 && now - s.sentAt >= s.wait) this.send(id, s, now, Math.min(s.wait * 2, MAX_RESEND_MS));
    }
  }

  private send(sessionId: string, s: SessionSpool, now: number, wait: number): void {
    s.sentAt = now;
    s.wait = wait;
    s.via = this.routes.of(sessionId);
    for (const f of s.frames) s.via?.send('audit', f);
  }

  emit(sessionId: string, type: string, data: Record<string, unknown>): void {
    const seq = this.nextSeq.get(sessionId) ?? 0;
    this.nextSeq.set(sessionId, seq + 1);
    const at = new Date().toISOString();
    const bounded = boundEvent(data);
    const frame: Frame = { sessionId, seq, event: { type, at, data: bounded.data } };
    let s = this.sessions.get(sessionId);
    if (!s) {
      s = {
        frames: [],
        file: this.spoolDir ? this.openSpool(sessionId) : null,
        ended: false,
        sentAt: 0,
        wait: this.resendMs,
        via: null,
      };
      this.sessions.set(sessionId, s);
    }
    const route = this.routes.of(sessionId);
    if (s.frames.length === 0) {
      s.sentAt = Date.now();
      s.wait = this.resendMs;
    }
    s.frames.push(frame);
    // JSON.stringify(frame), with the data's JSON made once
    const json = `{"sessionId":${JSON.stringify(sessionId)},"seq":${seq},"event":{"type":${JSON.stringify(type)},"at":"${at}","data":${bounded.json}}}`;
    if (s.file !== null) this.spool(s, sessionId, json);
    if (route === s.via || s.frames.length === 1) route?.sendJson('audit', json);
    // its tunnel went down since the last frame: the ones before it, still unacknowledged, go along on the new route
    else this.send(sessionId, s, Date.now(), this.resendMs);
    s.via = route;
  }

  private openSpool(sessionId: string): number | null {
    try {
      return openSync(path.join(this.spoolDir!, `${sessionId}.jsonl`), 'a', 0o600);
    } catch (err) {
      this.onSpoolError(sessionId, err as Error);
      return null;
    }
  }

  /**
   * Appended at once, before the frame is sent: one write of a few hundred bytes into the page cache, where a write
   * stream cost a round trip through the thread pool (and a wake-up of the event loop) per statement.
   */
  private spool(s: SessionSpool, sessionId: string, json: string): void {
    try {
      writeSync(s.file!, `${json}\n`);
    } catch (err) {
      // the frame is still sent and kept in memory until acknowledged; only a restart could lose it now
      this.onSpoolError(sessionId, err as Error);
      closeSync(s.file!);
      s.file = null;
    }
  }

  ack(sessionId: string, seq: number): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    let i = 0;
    while (i < s.frames.length && s.frames[i]!.seq <= seq) i++;
    if (i === 0) return;
    s.frames.splice(0, i);
    s.sentAt = Date.now();
    s.wait = this.resendMs;
    this.release(sessionId, s);
  }

  /** the session ended: once its frames are acknowledged nothing more is kept for it */
  endSession(sessionId: string): void {
    this.nextSeq.delete(sessionId);
    const s = this.sessions.get(sessionId);
    if (!s) return this.routes.unbind(sessionId);
    s.ended = true;
    this.release(sessionId, s);
  }

  private release(sessionId: string, s: SessionSpool): void {
    if (!s.ended || s.frames.length > 0) return;
    this.sessions.delete(sessionId);
    this.routes.unbind(sessionId);
    if (!this.spoolDir) return;
    const file = path.join(this.spoolDir, `${sessionId}.jsonl`);
    const remove = () => {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    };
    if (s.file !== null) closeSync(s.file);
    remove();
  }

  get pending(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.frames.length;
    return n;
  }
}
