import { CLIENT, UTF8MB4_GENERAL_CI } from './constants';
import { MysqlWireError } from './errors';
import { PayloadReader } from './reader';
import { PayloadWriter } from './writer';

/** The server's greeting (Protocol::HandshakeV10). */
export interface HandshakeV10 {
  protocolVersion: number;
  serverVersion: string;
  /** the connection (thread) id: what `KILL QUERY <id>` names */
  connectionId: number;
  /** the scramble (the two parts joined, without the trailing NUL), usually 20 bytes */
  authPluginData: Buffer;
  capabilities: number;
  characterSet: number;
  statusFlags: number;
  /** MariaDB's extended capabilities (the last 4 reserved bytes, when the server clears CLIENT_LONG_PASSWORD) */
  mariadbCapabilities: number;
  authPluginName: string;
}

export function parseHandshakeV10(payload: Buffer): HandshakeV10 {
  const r = new PayloadReader(payload, 'HandshakeV10');
  const protocolVersion = r.int1();
  if (protocolVersion !== 10) throw new MysqlWireError(`HandshakeV10: protocol version ${protocolVersion} is not supported`);
  const serverVersion = r.nulString();
  const connectionId = r.int4();
  const part1 = r.bytes(8);
  r.skip(1);
  let capabilities = r.int2();
  let characterSet = 0;
  let statusFlags = 0;
  let mariadbCapabilities = 0;
  let authPluginName = '';
  let part2: Buffer = Buffer.alloc(0);
  if (r.left > 0) {
    characterSet = r.int1();
    statusFlags = r.int2();
    capabilities = (capabilities | (r.int2() << 16)) >>> 0;
    const dataLen = r.int1();
    r.skip(6);
    mariadbCapabilities = r.int4();
    if ((capabilities & CLIENT.LONG_PASSWORD) !== 0) mariadbCapabilities = 0;
    if ((capabilities & CLIENT.SECURE_CONNECTION) !== 0) {
      const n = Math.max(13, dataLen - 8);
      part2 = r.bytes(Math.min(n, r.left));
      if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
    }
    if ((capabilities & CLIENT.PLUGIN_AUTH) !== 0) authPluginName = r.nulString(true);
  }
  return {
    protocolVersion,
    serverVersion,
    connectionId,
    authPluginData: Buffer.concat([part1, part2]),
    capabilities,
    characterSet,
    statusFlags,
    mariadbCapabilities,
    authPluginName,
  };
}

export function writeHandshakeV10(h: Omit<HandshakeV10, 'protocolVersion'> & { protocolVersion?: number }): Buffer {
  if (h.authPluginData.length < 8) throw new RangeError('HandshakeV10: the scramble has at least 8 bytes');
  const w = new PayloadWriter(128);
  w.int1(h.protocolVersion ?? 10)
    .nulString(h.serverVersion)
    .int4(h.connectionId);
  w.bytes(h.authPluginData.subarray(0, 8)).int1(0);
  w.int2(h.capabilities & 0xffff)
    .int1(h.characterSet)
    .int2(h.statusFlags)
    .int2(h.capabilities >>> 16);
  const part2 = h.authPluginData.subarray(8);
  w.int1((h.capabilities & CLIENT.PLUGIN_AUTH) !== 0 ? h.authPluginData.length + 1 : 0);
  w.zeros(6).int4((h.capabilities & CLIENT.LONG_PASSWORD) !== 0 ? 0 : h.mariadbCapabilities);
  if ((h.capabilities & CLIENT.SECURE_CONNECTION) !== 0) {
    w.bytes(part2).int1(0);
    if (part2.length < 12) w.zeros(12 - part2.length);
  }
  if ((h.capabilities & CLIENT.PLUGIN_AUTH) !== 0) w.nulString(h.authPluginName);
  return w.finish();
}

/** The client's login (Protocol::HandshakeResponse41). */
export interface HandshakeResponse41 {
  capabilities: number;
  maxPacketSize: number;
  characterSet: number;
  /** MariaDB's extended capabilities (the last 4 filler bytes, when CLIENT_LONG_PASSWORD is clear) */
  mariadbCapabilities: number;
  username: string;
  authResponse: Buffer;
  /** with CLIENT_CONNECT_WITH_DB */
  database?: string;
  /** with CLIENT_PLUGIN_AUTH */
  authPluginName?: string;
  /** with CLIENT_CONNECT_ATTRS, in the order sent */
  attributes?: Record<string, string>;
  /** with CLIENT_ZSTD_COMPRESSION_ALGORITHM */
  zstdLevel?: number;
}

/** The SSLRequest a client sends before starting TLS: the first 32 bytes of a HandshakeResponse41, CLIENT_SSL set. */
export interface SslRequest {
  capabilities: number;
  maxPacketSize: number;
  characterSet: number;
  mariadbCapabilities: number;
}

function writeFixedPart(w: PayloadWriter, p: SslRequest): void {
  w.int4(p.capabilities).int4(p.maxPacketSize).int1(p.characterSet).zeros(19);
  w.int4((p.capabilities & CLIENT.LONG_PASSWORD) !== 0 ? 0 : p.mariadbCapabilities);
}

export function writeSslRequest(p: Partial<SslRequest> & { capabilities: number }): Buffer {
  const w = new PayloadWriter(32);
  writeFixedPart(w, {
    maxPacketSize: 16 * 1024 * 1024,
    characterSet: UTF8MB4_GENERAL_CI,
    mariadbCapabilities: 0,
    ...p,
    capabilities: (p.capabilities | CLIENT.SSL) >>> 0,
  });
  return w.finish();
}

/** True for a client's SSLRequest (32 bytes, CLIENT_SSL set) as opposed to a full HandshakeResponse41. */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && (payload.readUInt32LE(0) & CLIENT.SSL) !== 0;
}

function readFixedPart(r: PayloadReader): SslRequest {
  const capabilities = r.int4();
  if ((capabilities & CLIENT.PROTOCOL_41) === 0) throw new MysqlWireError('HandshakeResponse41: the client does not speak protocol 4.1');
  const maxPacketSize = r.int4();
  const characterSet = r.int1();
  r.skip(19);
  const ext = r.int4();
  return { capabilities, maxPacketSize, characterSet, mariadbCapabilities: (capabilities & CLIENT.LONG_PASSWORD) !== 0 ? 0 : ext };
}

export function parseSslRequest(payload: Buffer): SslRequest {
  const r = new PayloadReader(payload, 'SSLRequest');
  const out = readFixedPart(r);
  r.done();
  return out;
}

export function parseHandshakeResponse41(payload: Buffer): HandshakeResponse41 {
  const r = new PayloadReader(payload, 'HandshakeResponse41');
  const fixed = readFixedPart(r);
  const caps = fixed.capabilities;
  const username = r.nulString();
  let authResponse: Buffer;
  if ((caps & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) !== 0) authResponse = r.lenencBytes();
  else if ((caps & CLIENT.SECURE_CONNECTION) !== 0) authResponse = r.bytes(r.int1());
  else authResponse = r.nulBytes();
  const out: HandshakeResponse41 = { ...fixed, username, authResponse };
  // clients that set a flag and end the packet before its field (old drivers) are read as if the field were empty
  if ((caps & CLIENT.CONNECT_WITH_DB) !== 0 && r.left > 0) out.database = r.nulString(true);
  if ((caps & CLIENT.PLUGIN_AUTH) !== 0 && r.left > 0) out.authPluginName = r.nulString(true);
  if ((caps & CLIENT.CONNECT_ATTRS) !== 0 && r.left > 0) out.attributes = readAttributes(r);
  if ((caps & CLIENT.ZSTD_COMPRESSION_ALGORITHM) !== 0 && r.left > 0) out.zstdLevel = r.int1();
  r.done();
  return out;
}

export function readAttributes(r: PayloadReader): Record<string, string> {
  const len = r.lenenc();
  const end = r.offset + r.count(len, 1, 'connection attribute bytes');
  const attrs: Record<string, string> = Object.create(null);
  const inner = new PayloadReader(r.buf, 'connection attributes', r.offset, end);
  while (inner.left > 0) {
    const k = inner.lenencString();
    attrs[k] = inner.lenencString();
  }
  r.offset = end;
  return { ...attrs };
}

export function writeAttributes(w: PayloadWriter, attrs: Record<string, string>): void {
  const inner = new PayloadWriter();
  for (const [k, v] of Object.entries(attrs)) inner.lenencString(k).lenencString(v);
  w.lenencString(inner.finish());
}

export function writeHandshakeResponse41(p: Partial<HandshakeResponse41> & { capabilities: number; username: string; authResponse: Uint8Array }): Buffer {
  const caps = p.capabilities;
  const w = new PayloadWriter(128);
  writeFixedPart(w, {
    capabilities: caps,
    maxPacketSize: p.maxPacketSize ?? 16 * 1024 * 1024,
    characterSet: p.characterSet ?? UTF8MB4_GENERAL_CI,
    mariadbCapabilities: p.mariadbCapabilities ?? 0,
  });
  w.nulString(p.username);
  if ((caps & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) !== 0) w.lenencString(p.authResponse);
  else if ((caps & CLIENT.SECURE_CONNECTION) !== 0) {
    if (p.authResponse.length > 255) throw new RangeError('auth response longer than 255 bytes needs CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA');
    w.int1(p.authResponse.length).bytes(p.authResponse);
  } else w.nulString(p.authResponse);
  if ((caps & CLIENT.CONNECT_WITH_DB) !== 0) w.nulString(p.database ?? '');
  if ((caps & CLIENT.PLUGIN_AUTH) !== 0) w.nulString(p.authPluginName ?? '');
  if ((caps & CLIENT.CONNECT_ATTRS) !== 0) writeAttributes(w, p.attributes ?? {});
  if ((caps & CLIENT.ZSTD_COMPRESSION_ALGORITHM) !== 0) w.int1(p.zstdLevel ?? 3);
  return w.finish();
}
