import { encodeWsFrame, type SpdyHeaders, WsMessageReader, WsOpcode } from '@hoop/httpwire';
import { Channel, ChannelTap, MAX_CHANNEL_MESSAGE, type TapOptions } from './channels';
import { type BridgeStream, SpdyBridge } from './spdy-bridge';

/** the remote command protocols over SPDY hoop reads (v5 is WebSocket's only) */
export const SPDY_READ_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

const CHANNEL_OF: Record<string, number> = {
  stdin: Channel.stdin,
  stdout: Channel.stdout,
  stderr: Channel.stderr,
  error: Channel.error,
  resize: Channel.resize,
};
/** the error stream's Status is read whole (it is small) */
const MAX_ERROR = 64 * 1024;
const PIECE = 64 * 1024;

/**
 * exec and attach over SPDY, read as the WebSocket ones are: SPDY is terminated on both sides (spdy-bridge.ts), and
 * each stream's data goes through the same ChannelTap as the channel protocol's messages — stdout and stderr masked
 * and recorded as terminal frames, stdin recorded and, for a shell's script, judged line by line before it is sent
 * on, resizes recorded, the error stream's Status giving the exit code. The streams are told apart by their
 * `streamtype` header; hoop opens them at the API server with that header alone. A stream of another type, a second
 * one of a type, stdin the query did not ask for, or resize without a tty is refused (RST_STREAM): the kubelet would
 * take a second stdin stream as the one to read, unjudged. A FIN is passed on after the data before it (stdin's
 * after its last lines are judged).
 */
export class SpdyChannelTap extends ChannelTap {
  private readonly bridge: SpdyBridge;
  /** the tap's output, read back into channel messages */
  private readonly tapToClient = new WsMessageReader(MAX_CHANNEL_MESSAGE);
  private readonly tapToServer = new WsMessageReader(MAX_CHANNEL_MESSAGE);
  private errorText: Buffer[] = [];
  private errorBytes = 0;
  private clientOk = true;

  constructor(
    o: TapOptions,
    private readonly allowed: { stdin: boolean; tty: boolean },
    private readonly onRefused: (type: string, reason: string) => void,
  ) {
    // the channel tap's frames come back here, to go out as SPDY (`this` exists once super() returns)
    const self: { tap: SpdyChannelTap | null } = { tap: null };
    super({ ...o, toClient: (b) => self.tap?.fromTap(b) ?? true, toServer: (b) => self.tap?.fromTapToServer(b) });
    self.tap = this;
    this.bridge = new SpdyBridge({
      toClient: (b) => o.toClient(b),
      toServer: (b) => o.toServer(b),
      admit: (h) => this.admit(h),
      refused: (type, reason) => this.onRefused(type, reason),
      clientData: (s, data, fin) => this.clientData(s, data, fin),
      serverData: (s, data, fin) => this.serverData(s, data, fin),
      broken: (message) => o.broken(message),
    });
  }

  /** what the client sent: SPDY, its streams' data handed to the channel tap as channel messages */
  override client(chunk: Buffer): void {
    this.bridge.client(chunk);
  }

  /** what the API server sent, likewise; false: wait for the session's drain */
  override server(chunk: Buffer): boolean {
    return this.bridge.server(chunk);
  }

  private admit(h: SpdyHeaders): { type: string; headers: SpdyHeaders } | { refuse: string } {
    const types = h.get('streamtype') ?? [];
    const type = types.length === 1 ? types[0]! : '';
    if (!(type in CHANNEL_OF)) return { refuse: `a stream of type "${types.join(',').slice(0, 40)}"` };
    if (this.bridge.stream(type)) return { refuse: `a second ${type} stream` };
    if (type === 'stdin' && !this.allowed.stdin) return { refuse: 'a stdin stream the request did not ask for' };
    if (type === 'resize' && !this.allowed.tty) return { refuse: 'a resize stream without a terminal' };
    return { type, headers: new Map([['streamtype', [type]]]) };
  }

  private clientData(s: BridgeStream, data: Buffer, fin: boolean): void {
    const channel = CHANNEL_OF[s.type]!;
    if (channel === Channel.stdin || channel === Channel.resize)
      for (let at = 0; at < data.length; at += PIECE) super.client(frame(channel, data.subarray(at, at + PIECE)));
    // the kubelet reads nothing the client sends on the other streams: not passed on
    if (!fin) return;
    if (channel === Channel.stdin) super.client(frame(Channel.close, Buffer.from([Channel.stdin])));
    else this.bridge.toServerData(s.id, Buffer.alloc(0), true);
  }

  private serverData(s: BridgeStream, data: Buffer, fin: boolean): boolean {
    const channel = CHANNEL_OF[s.type]!;
    this.clientOk = true;
    if (channel === Channel.error) {
      this.errorBytes += data.length;
      if (this.errorBytes > MAX_ERROR) {
        this.bridge.fail(`the error stream's Status is over ${MAX_ERROR / 1024} KiB`, 'server');
        return true;
      }
      this.errorText.push(data);
      if (!fin) return true;
      const status = Buffer.concat(this.errorText);
      this.errorText = [];
      if (status.length) super.server(frame(Channel.error, status));
    } else if (channel === Channel.stdout || channel === Channel.stderr) {
      for (let at = 0; at < data.length; at += PIECE) super.server(frame(channel, data.subarray(at, at + PIECE)));
    }
    if (fin) super.server(frame(Channel.close, Buffer.from([channel])));
    return this.clientOk;
  }

  /** the tap's frames toward the client, as DATA on the streams of their channels */
  private fromTap(bytes: Buffer): boolean {
    this.tapToClient.push(bytes, (m) => {
      if (m.opcode !== WsOpcode.binary || m.data.length === 0) return;
      const closing = m.data[0] === Channel.close;
      const channel = closing ? m.data[1] : m.data[0];
      // without a stderr stream (a terminal) what the tap says on stderr goes to stdout
      const s = this.streamOf(channel) ?? (channel === Channel.stderr && !closing ? this.bridge.stream('stdout') : undefined);
      if (!s) return;
      if (!this.bridge.toClientData(s.id, closing ? Buffer.alloc(0) : m.data.subarray(1), closing)) this.clientOk = false;
    });
    return this.clientOk;
  }

  /** the tap's frames toward the API server (stdin once judged, resizes, stdin's close) */
  private fromTapToServer(bytes: Buffer): void {
    this.tapToServer.push(bytes, (m) => {
      if (m.opcode !== WsOpcode.binary || m.data.length === 0) return;
      if (m.data[0] === Channel.close) {
        const s = this.streamOf(m.data[1]);
        if (s) this.bridge.toServerData(s.id, Buffer.alloc(0), true);
        return;
      }
      const s = this.streamOf(m.data[0]);
      if (s && (s.type === 'stdin' || s.type === 'resize')) this.bridge.toServerData(s.id, m.data.subarray(1));
    });
  }

  private streamOf(channel: number | undefined): BridgeStream | undefined {
    const type = Object.keys(CHANNEL_OF).find((t) => CHANNEL_OF[t] === channel);
    return type ? this.bridge.stream(type) : undefined;
  }
}

function frame(channel: number, body: Buffer): Buffer {
  return encodeWsFrame(WsOpcode.binary, Buffer.concat([Buffer.from([channel]), body]));
}
