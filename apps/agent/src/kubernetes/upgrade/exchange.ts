import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeBody, encodeFrame, encodeHead, FrameKind, whenDrained } from '@hoop/httpwire';
import { evaluateShell, initShellGuard, type ShellDecision } from '@hoop/pipeline';
import type { HoopAnswer } from '../../http/answers';
import type { ServedExchange } from '../../http/plugin';
import type { Verdict } from '../../session/hooks';
import { blockedMessage, notApprovedMessage } from '../../session/refusals';
import { holdForReview, type ReviewHold } from '../../session/review-hold';
import { statusFrames } from '../status';
import type { KubeUpgradeRequest } from '../upgrade-hook';
import { ChannelTap, type TapOptions } from './channels';
import { portForwardTap, spdyChannelTap, spdyProtocols, unreadableUpgrade } from './spdy-exchange';
import { SPDY_READ_PROTOCOLS, type SpdyChannelTap } from './spdy-channels';
import { PORTFORWARD_PROTOCOL, PORTFORWARD_TUNNEL_PROTOCOL, type PortForwardTap } from './spdy-portforward';
import { execCommand, queryFlag } from './exec-command';
import { readsShellStdin } from './stdin-gate';
import { tarOptions } from './tar-tap';
import { terminalEvents } from './terminal';
import { headersOf, offeredProtocols, openUpstream, READ_PROTOCOLS } from './upstream';

/** client bytes held before the API server answers the upgrade (a client speaks first rarely: SPDY does not) */
const MAX_EARLY_BYTES = 64 * 1024;
const SEVERITY = { allow: 0, review: 1, deny: 2 } as const;

let guardReady: Promise<void> | null = null;

type Phase = 'judging' | 'held' | 'connecting' | 'relaying' | 'done';

/**
 * One upgraded request (exec, attach, port-forward) from its head to its close. Judged first — the plug-in's
 * verdict on the request, and for exec the command (its `command` parameters as one shell line) by the shell guard,
 * the most severe deciding; a refusal is a Status 403 the client shows; a review holds it (102 with the link) until
 * reviewers decide — then upgraded at the API server as the hoop user, and relayed. Exec and attach over the
 * WebSocket channel protocol are read (channels.ts), and over SPDY the same way (spdy-channels.ts: SPDY terminated on
 * both sides, each stream's data through the same tap): output masked and recorded as terminal frames, stdin and
 * resizes recorded. Port-forward over SPDY or its WebSocket tunnel is read at the framing layer (spdy-portforward.ts)
 * and recorded by its sizes per port. One `statement` event records it at its end (status, bytes each way, the exit
 * code, the ports).
 */
export class UpgradeExchange implements ServedExchange {
  private phase: Phase = 'judging';
  private readonly started = Date.now();
  private verdict: Verdict;
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private clientEnded = false;
  private socket: Duplex | null = null;
  private upstream: { abort(): void } | null = null;
  private hold: ReviewHold | null = null;
  private tap: ChannelTap | SpdyChannelTap | null = null;
  private forward: PortForwardTap | null = null;
  private command: string | null = null;
  private argv: string[] = [];
  private status: number | null = null;
  private bytesUp = 0;
  private bytesDown = 0;
  private readonly result: Record<string, unknown> = {};
  private readonly websocket: boolean;
  private readonly channels: boolean;
  private readonly spdy: boolean;

  constructor(private readonly u: KubeUpgradeRequest) {
    this.verdict = u.verdict;
    const upgrade = (u.head.headers.upgrade ?? '').trim().toLowerCase();
    this.websocket = upgrade === 'websocket';
    this.channels = this.websocket && (u.request.verb === 'exec' || u.request.verb === 'attach');
    this.spdy = upgrade === 'spdy/3.1';
    guardReady ??= initShellGuard();
    guardReady.then(
      () => this.judge(),
      (err: Error) => this.refuse({ action: 'deny', ruleId: 'guard-unavailable', message: `the shell guard could not start (${err.message})` }),
    );
  }

  get over(): boolean {
    return this.phase === 'done';
  }

  body(chunk: Buffer): void {
    if (this.phase === 'done') return;
    if (this.phase === 'relaying' && this.socket) {
      this.bytesUp += chunk.length;
      const reader = this.tap ?? this.forward;
      if (reader) reader.client(chunk);
      else this.toServer(chunk);
      return;
    }
    this.earlyBytes += chunk.length;
    if (this.earlyBytes > MAX_EARLY_BYTES) return this.abort('the client sent over 64 KiB before the upgrade was answered');
    this.early.push(chunk);
  }

  end(): void {
    this.clientEnded = true;
    if (this.phase === 'relaying') this.socket?.end();
  }

  abort(reason: string): void {
    if (this.phase === 'done') return;
    this.result.error ??= reason;
    this.hold?.end();
    this.upstream?.abort();
    this.socket?.destroy();
    this.finish();
  }

  private judge(): void {
    if (this.phase !== 'judging') return;
    const { u } = this;
    const resolved = u.ctx.policy();
    if ('error' in resolved)
      return this.refuse({ action: 'deny', ruleId: 'invalid-policy', message: 'the policy of the connection is invalid, so nothing runs' });
    const unreadable = unreadableUpgrade(u.head.headers, u.request.verb);
    if (unreadable) return this.refuse({ action: 'deny', ruleId: 'kubernetes-unreadable-channel', message: unreadable });
    if (this.channels && offeredProtocols(u.head.headers['sec-websocket-protocol']) === null)
      return this.refuse({
        action: 'deny',
        ruleId: 'kubernetes-unreadable-channel',
        message: `hoop reads the binary channel protocols only (${READ_PROTOCOLS[0]}, …)`,
      });
    if (u.request.verb === 'exec') {
      const cmd = execCommand(u.request.query);
      if ('error' in cmd) return this.refuse({ action: 'deny', ruleId: 'kubernetes-exec-unreadable', message: cmd.error });
      this.command = cmd.line;
      this.argv = cmd.argv;
      const d = evaluateShell(cmd.line, resolved.policy);
      const shell: Verdict = {
        action: d.action,
        ...(d.ruleId ? { ruleId: d.ruleId } : {}),
        ...(d.reason ? { message: d.reason } : {}),
        ...(d.hint ? { hint: d.hint } : {}),
      };
      u.ctx.audit('command', {
        command: u.ctx.hooks.maskAudit(cmd.line.slice(0, 4000)),
        decision: SEVERITY[shell.action] > SEVERITY[this.verdict.action] ? shell.action : this.verdict.action,
        ruleId: (SEVERITY[shell.action] > SEVERITY[this.verdict.action] ? shell : this.verdict).ruleId ?? null,
        reason: shell.action === 'allow' ? (this.verdict.message ?? null) : (shell.message ?? null),
        statements: d.commands.map((c) => ({
          text: u.ctx.hooks.maskAudit(c.text.slice(0, 4000)),
          kind: 'shell',
          action: c.action,
          ...(c.ruleId ? { ruleId: c.ruleId } : {}),
        })),
        exchange: u.id,
      });
      if (SEVERITY[shell.action] > SEVERITY[this.verdict.action]) this.verdict = shell;
    }
    if (this.verdict.action === 'deny') return this.refuse(this.verdict);
    if (this.verdict.action === 'review') return this.review();
    this.connect();
  }

  private review(): void {
    const { ctx, id, head, request } = this.u;
    if (!ctx.hooks.requestReview) return this.refuse({ ...this.verdict, action: 'deny' });
    this.phase = 'held';
    const sql = this.command !== null ? `kubectl exec -n ${request.namespace} ${request.name} -- ${this.command}` : `${head.method} ${request.target}`;
    const v = this.verdict;
    this.hold = holdForReview(
      ctx.hooks,
      ctx.audit,
      { sql, subject: { sql }, verdict: v },
      {
        pending: (r) => {
          const headers: Record<string, string> = { 'x-hoop-review': r.reviewId ?? '' };
          if (r.url) headers['x-hoop-review-url'] = r.url;
          if (r.expiresAt) headers['x-hoop-review-expires'] = r.expiresAt;
          ctx.send(encodeHead(id, FrameKind.response, { status: 102, headers }));
        },
        approved: (allowed) => {
          this.hold = null;
          this.verdict = allowed;
          this.result.reviewId = allowed.reviewId ?? null;
          this.connect();
        },
        refused: (r, reviewId) => {
          this.hold = null;
          this.result.reviewId = reviewId ?? null;
          this.answer({
            status: 403,
            type: 'not_approved',
            message: notApprovedMessage(r, reviewId, 'command'),
            rule: v.ruleId ?? 'policy',
            decision: 'review',
          });
        },
      },
    );
  }

  private connect(): void {
    if (this.phase === 'done') return;
    this.phase = 'connecting';
    const { u } = this;
    const headers: Record<string, string | string[]> = { ...u.headers };
    delete headers['sec-websocket-extensions'];
    const offered = offeredProtocols(u.head.headers['sec-websocket-protocol']);
    if (offered) headers['sec-websocket-protocol'] = offered;
    const streamProtocols = spdyProtocols(u.head.headers['x-stream-protocol-version'], u.request.verb);
    if (streamProtocols) headers['x-stream-protocol-version'] = streamProtocols;
    headers['impersonate-user'] = u.impersonate.user;
    if (u.impersonate.groups.length) headers['impersonate-group'] = [...u.impersonate.groups];
    this.upstream = openUpstream(u.server, u.head.method, u.request.target, u.head.headers.upgrade ?? '', headers, {
      upgraded: (res, socket, head) => this.relay(res, socket, head),
      response: (res) => this.relayAnswer(res),
      failed: (message) => this.answer({ status: 502, type: 'target_unreachable', message }),
    });
  }

  /** 101: the client's connection is the API server's now; bytes both ways until either side closes */
  private relay(res: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { ctx, id } = this.u;
    if (this.phase === 'done') return void socket.destroy();
    this.phase = 'relaying';
    this.socket = socket;
    this.status = 101;
    const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
    this.result.protocol = this.websocket ? protocol || 'websocket' : String(res.headers.upgrade ?? 'upgrade');
    ctx.send(encodeHead(id, FrameKind.response, { status: 101, headers: headersOf(res) }));
    const spdy = this.spdy ? String(res.headers['x-stream-protocol-version'] ?? '') : null;
    if (this.u.request.verb === 'portforward' && (spdy !== null || protocol === PORTFORWARD_TUNNEL_PROTOCOL)) {
      if (spdy !== null && spdy !== PORTFORWARD_PROTOCOL) return this.abortRelay(`the API server chose the port-forward protocol "${spdy}"`);
      const io = { toClient: (b: Buffer) => this.toClient(b), toServer: (b: Buffer) => this.toServer(b) };
      this.forward = portForwardTap(this.u, protocol === PORTFORWARD_TUNNEL_PROTOCOL, socket, this.result, io);
    } else if (spdy !== null && !SPDY_READ_PROTOCOLS.includes(spdy))
      return this.abortRelay(`the API server chose the stream protocol "${spdy}", which hoop does not read`);
    if (spdy !== null ? this.forward === null : this.channels && READ_PROTOCOLS.includes(protocol)) {
      const options: TapOptions = {
        started: this.started,
        exchange: id,
        ...tarOptions(this.u.request.verb, this.argv, ctx.policy(), this.u.request.query),
        maskText: (t) => ctx.hooks.maskText(t),
        maskAudit: (t) => ctx.hooks.maskAudit(t),
        audit: (type, data) => ctx.audit(type, data),
        toClient: (bytes) => this.toClient(bytes),
        toServer: (bytes) => this.toServer(bytes),
        ...(this.gatesStdin() ? { stdinGate: this.stdinGate() } : {}),
        ...(queryFlag(this.u.request.query, 'stdin') && queryFlag(this.u.request.query, 'tty') ? { terminal: terminalEvents(ctx) } : {}),
        broken: (message) => {
          this.result.error = message;
          socket.destroy();
        },
      };
      this.tap = spdy !== null ? spdyChannelTap(this.u, options, this.result) : new ChannelTap(options);
      ctx.audit('term.start', { cols: 80, rows: 24, term: 'kubernetes', exchange: id, tty: /(^|&)tty=(true|1)(&|$)/i.test(this.u.request.query) });
    } else if (this.channels) return this.abortRelay(`the API server chose the channel protocol "${protocol}", which hoop does not read`);
    const fromServer = (chunk: Buffer) => {
      this.bytesDown += chunk.length;
      const reader = this.tap ?? this.forward;
      const ok = reader ? reader.server(chunk) : this.toClient(chunk);
      if (!ok) {
        socket.pause();
        ctx.onDrain(() => {
          this.tap?.drained();
          socket.resume();
        });
      }
    };
    if (head.length) fromServer(head);
    socket.on('data', fromServer);
    socket.on('end', () => {
      this.tap?.end();
      if (this.phase !== 'done') ctx.send(encodeFrame(id, FrameKind.end));
      this.finish();
    });
    socket.on('close', () => {
      if (this.phase === 'done') return;
      this.tap?.end();
      ctx.send(encodeFrame(id, FrameKind.abort, Buffer.from(JSON.stringify({ message: 'the API server closed the connection' }))));
      this.finish();
    });
    socket.on('error', (err) => {
      this.result.error ??= `the connection to the API server failed: ${err.message}`;
    });
    for (const chunk of this.early.splice(0)) this.body(chunk);
    if (this.clientEnded) socket.end();
  }

  private toServer(bytes: Buffer): void {
    if (this.socket && !this.socket.write(bytes)) {
      this.u.ctx.pauseInput();
      whenDrained(this.socket, () => this.u.ctx.resumeInput());
    }
  }

  private toClient(bytes: Buffer): boolean {
    let ok = true;
    for (const f of encodeBody(this.u.id, bytes)) ok = this.u.ctx.send(f) && ok;
    return ok;
  }

  private abortRelay(message: string): void {
    this.result.error = message;
    this.socket?.destroy();
    this.u.ctx.send(encodeFrame(this.u.id, FrameKind.abort, Buffer.from(JSON.stringify({ message: `hoop: ${message}` }))));
    this.finish();
  }

  /** a shell reading its script from stdin, without a terminal: each line judged (stdin-gate.ts) */
  private gatesStdin(): boolean {
    const q = this.u.request.query;
    return this.u.request.verb === 'exec' && queryFlag(q, 'stdin') && !queryFlag(q, 'tty') && readsShellStdin(this.argv);
  }

  private stdinGate() {
    const { ctx, id } = this.u;
    return {
      judge: (text: string) => {
        const resolved = ctx.policy();
        if ('error' in resolved) return { action: 'deny' as const, commands: [], ruleId: 'invalid-policy', reason: 'the policy of the connection is invalid' };
        return evaluateShell(text.replace(/\n$/, ''), resolved.policy);
      },
      record: (text: string, d: ShellDecision) =>
        ctx.audit('command', {
          command: ctx.hooks.maskAudit(text.replace(/\n$/, '').slice(0, 4000)),
          decision: d.action,
          ruleId: d.ruleId ?? null,
          reason: d.action === 'allow' ? null : (d.reason ?? null),
          stdin: true,
          exchange: id,
        }),
    };
  }

  /** the API server did not upgrade (its Status: forbidden, not found): relayed as it is, its text masked */
  private relayAnswer(res: IncomingMessage): void {
    const { ctx, id } = this.u;
    this.status = res.statusCode ?? 502;
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 256 * 1024) parts.push(c);
    });
    res.on('end', () => {
      if (this.phase === 'done') return;
      const body = Buffer.from(ctx.hooks.maskText(Buffer.concat(parts).toString('utf8')));
      const headers = headersOf(res);
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
      ctx.send(encodeHead(id, FrameKind.response, { status: this.status ?? 502, headers }));
      for (const f of encodeBody(id, body)) ctx.send(f);
      ctx.send(encodeFrame(id, FrameKind.end));
      this.bytesDown = size;
      this.finish();
    });
    res.on('error', (err) => this.answer({ status: 502, type: 'target_unreachable', message: `the API server's answer broke off: ${err.message}` }));
  }

  private refuse(v: Verdict): void {
    this.verdict = v;
    this.answer({ status: 403, type: 'blocked', message: blockedMessage(v), rule: v.ruleId ?? 'policy', decision: 'deny' });
  }

  private answer(a: HoopAnswer): void {
    if (this.phase === 'done') return;
    this.upstream?.abort();
    this.status = a.status;
    this.result.error ??= a.message;
    for (const f of statusFrames(this.u.id, a)) this.u.ctx.send(f);
    this.finish();
  }

  private finish(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    const { ctx, id, head, request } = this.u;
    const masked = ctx.hooks.takeMaskCounts();
    const decision = this.verdict.reviewId ? 'approved' : this.verdict.action;
    const binary = this.tap?.binaryRecord();
    ctx.audit('statement', {
      sql: ctx.hooks.maskAudit(`${head.method} ${request.target.slice(0, 2000)}`),
      lang: 'http',
      decision,
      ruleId: this.verdict.ruleId ?? null,
      reason: this.verdict.message ?? null,
      executed: this.status === 101,
      exchange: id,
      method: head.method,
      status: this.status,
      tags: [...(this.status ? [`HTTP ${this.status}`] : []), 'upgrade'],
      durationMs: Date.now() - this.started,
      masked,
      kubernetes: { verb: request.verb, resource: request.resource, subresource: request.subresource, namespace: request.namespace, name: request.name },
      upgrade: {
        bytesIn: this.bytesUp,
        bytesOut: this.bytesDown,
        read: this.tap !== null || this.forward !== null,
        ...(this.command !== null ? { command: ctx.hooks.maskAudit(this.command.slice(0, 4000)) } : {}),
        ...(this.tap ? { exitCode: this.tap.exitCode, channels: this.tap.sizes } : {}),
        ...(binary ? { binaryStdout: binary } : {}),
        ...(this.forward ? { ports: this.forward.ports } : {}),
      },
      ...this.result,
    });
    ctx.tally(decision, this.status, masked);
    this.u.onDone();
  }
}
