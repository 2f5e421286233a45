import { generateKeyPairSync, privateDecrypt, constants as cryptoConstants } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CACHING_SHA2_PASSWORD,
  cachingSha2Hash,
  cachingSha2RsaPassword,
  cachingSha2Token,
  nativePasswordHash,
  nativePasswordToken,
  parseAuthSwitchRequest,
  verifyCachingSha2,
  verifyNativePassword,
  writeAuthSwitchRequest,
} from './auth';
import { CLIENT, MAX_PACKET_PAYLOAD } from './constants';
import { ER, MysqlWireError } from './errors';
import { framePacket, PacketParser, packetCount } from './framing';
import { isSslRequest, parseHandshakeResponse41, parseHandshakeV10, writeHandshakeResponse41, writeSslRequest } from './handshake';
import { parseErr, parseOk, writeErr, writeOk } from './packets';
import { PayloadReader } from './reader';
import { PayloadWriter } from './writer';

const MiB = 1024 * 1024;

/** Parses `bytes` split at every offset: the same packets each time. */
function everySplit(bytes: Buffer, options = {}): Buffer[] {
  const whole: Buffer[] = [];
  new PacketParser(options).push(bytes, (p) => whole.push(Buffer.from(p)));
  for (let cut = 0; cut <= bytes.length; cut++) {
    const got: Buffer[] = [];
    const p = new PacketParser(options);
    p.push(bytes.subarray(0, cut), (x) => got.push(Buffer.from(x)));
    p.push(bytes.subarray(cut), (x) => got.push(Buffer.from(x)));
    expect(got, `cut at ${cut}`).toEqual(whole);
  }
  return whole;
}

describe('length-encoded integers', () => {
  const cases: [number | bigint, string][] = [
    [0, '00'],
    [250, 'fa'],
    [251, 'fcfb00'],
    [0xffff, 'fcffff'],
    [0x10000, 'fd000001'],
    [0xffffff, 'fdffffff'],
    [0x1000000, 'fe0000000100000000'],
    [0xffffffffffffffffn, 'feffffffffffffffff'],
  ];
  it.each(cases)('%s is written as %s and read back', (v, hex) => {
    const b = new PayloadWriter().lenenc(v).finish();
    expect(b.toString('hex')).toBe(hex);
    expect(new PayloadReader(b, 't').lenencBig()).toBe(BigInt(v));
  });

  it('refuses 0xFB and 0xFF as integers, a cut 0xFC/0xFD/0xFE, and a length past the safe range', () => {
    for (const hex of ['fb', 'ff', 'fc01', 'fd0102', 'fe01020304', 'feffffffffffffffff']) {
      expect(() => new PayloadReader(Buffer.from(hex, 'hex'), 't').lenenc(), hex).toThrow(MysqlWireError);
    }
  });

  it('refuses a string longer than what is left of the packet', () => {
    expect(() => new PayloadReader(Buffer.from('fc00ff6162', 'hex'), 't').lenencBytes()).toThrow(/shorter than its contents/);
  });
});

describe('packet framing', () => {
  it('reads packets split anywhere, with their sequence ids', () => {
    const bytes = Buffer.concat([framePacket(Buffer.from('hello'), 0), framePacket(Buffer.alloc(0), 1), framePacket(Buffer.from('x'), 2)]);
    expect(everySplit(bytes).map((b) => b.toString())).toEqual(['hello', '', 'x']);
  });

  it('splits a payload of 16 MB or more and joins it back; a multiple of 0xFFFFFF ends with an empty packet', () => {
    for (const size of [MAX_PACKET_PAYLOAD - 1, MAX_PACKET_PAYLOAD, MAX_PACKET_PAYLOAD + 1, 2 * MAX_PACKET_PAYLOAD]) {
      const payload = Buffer.alloc(size, 0x61);
      payload[size - 1] = 0x62;
      const framed = framePacket(payload, 254);
      expect(framed.length).toBe(size + 4 * packetCount(size));
      const p = new PacketParser({ maxPayload: 64 * MiB, checkSequence: true });
      p.sequenceId = 254;
      const got: [Buffer, number][] = [];
      for (let i = 0; i < framed.length; i += 5 * MiB) p.push(framed.subarray(i, i + 5 * MiB), (b, s) => got.push([b, s]));
      expect(got).toHaveLength(1);
      expect(got[0]![1]).toBe(254);
      expect(got[0]![0].equals(payload)).toBe(true);
      expect(p.sequenceId).toBe((254 + packetCount(size)) & 0xff);
    }
  });

  it('refuses a payload over the limit with ER_NET_PACKET_TOO_LARGE as soon as the header says so', () => {
    const p = new PacketParser({ maxPayload: 1000 });
    const err = (() => {
      try {
        p.push(Buffer.from([0xe9, 0x03, 0x00, 0x00]), () => undefined);
      } catch (e) {
        return e as MysqlWireError;
      }
    })();
    expect(err?.code).toBe(ER.PACKET_TOO_LARGE);
    expect(err?.sqlState).toBe('08S01');
    // and stays failed
    expect(() => p.push(framePacket(Buffer.from('ok'), 0), () => undefined)).toThrow(/larger than the limit/);
  });

  it('counts the parts of a split payload against the limit', () => {
    const p = new PacketParser({ maxPayload: MAX_PACKET_PAYLOAD + 10 });
    const framed = framePacket(Buffer.alloc(MAX_PACKET_PAYLOAD + 11), 0);
    expect(() => p.push(framed, () => undefined)).toThrow(expect.objectContaining({ code: ER.PACKET_TOO_LARGE }));
  });

  it('stops in the middle of a chunk when told, and hands over the bytes after the packet (TLS after an SSLRequest)', () => {
    const ssl = framePacket(writeSslRequest({ capabilities: CLIENT.PROTOCOL_41 }), 1);
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 1, 2, 3]);
    const p = new PacketParser();
    const got: Buffer[] = [];
    p.push(Buffer.concat([ssl, hello]), (payload) => {
      got.push(payload);
      p.stop();
    });
    expect(got).toHaveLength(1);
    expect(p.takeRest().equals(hello)).toBe(true);
    p.push(framePacket(Buffer.from('next'), 2), (payload) => got.push(payload));
    expect(got[1]!.toString()).toBe('next');
  });

  it('reads the same packets from any cutting into pieces: byte by byte, and pieces of every size up to a packet and a half', () => {
    const payloads = ['hello', '', 'x', 'a longer packet, the size of a row or two', ''].map((t) => Buffer.from(t));
    const bytes = Buffer.concat(payloads.map((b, i) => framePacket(b, i)));
    for (let size = 1; size <= 70; size++) {
      const got: Buffer[] = [];
      const p = new PacketParser({ checkSequence: true });
      for (let at = 0; at < bytes.length; at += size) p.push(bytes.subarray(at, at + size), (b) => got.push(Buffer.from(b)));
      expect(got, `pieces of ${size}`).toEqual(payloads);
      expect(p.pending, `pieces of ${size}`).toBe(0);
    }
  });

  it('stops in a packet completed from an earlier chunk, and hands over the rest of the chunk it was completed from', () => {
    const ssl = framePacket(writeSslRequest({ capabilities: CLIENT.PROTOCOL_41 }), 1);
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 1, 2, 3]);
    const all = Buffer.concat([ssl, hello]);
    for (const cut of [2, 4, ssl.length - 1]) {
      const p = new PacketParser();
      const got: Buffer[] = [];
      const stopAt = (payload: Buffer) => {
        got.push(Buffer.from(payload));
        p.stop();
      };
      p.push(all.subarray(0, cut), stopAt);
      p.push(all.subarray(cut), stopAt);
      expect(got, `cut at ${cut}`).toHaveLength(1);
      expect(p.takeRest().equals(hello), `cut at ${cut}`).toBe(true);
    }
  });

  it('checks sequence ids when asked: a packet out of order is ER_NET_PACKETS_OUT_OF_ORDER', () => {
    const p = new PacketParser({ checkSequence: true });
    p.push(framePacket(Buffer.from('a'), 0), () => undefined);
    expect(() => p.push(framePacket(Buffer.from('b'), 3), () => undefined)).toThrow(expect.objectContaining({ code: ER.PACKETS_OUT_OF_ORDER }));
    const wrap = new PacketParser({ checkSequence: true });
    wrap.sequenceId = 255;
    const got: number[] = [];
    wrap.push(Buffer.concat([framePacket(Buffer.from('a'), 255), framePacket(Buffer.from('b'), 0)]), (_, s) => got.push(s));
    expect(got).toEqual([255, 0]);
  });
});

describe('handshake', () => {
  // MariaDB 10.11's greeting, as sent (version with the 5.5.5- prefix, MariaDB capabilities in the reserved bytes)
  const greeting = Buffer.from(
    '0a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000a0000002c5c697c56766f4b00fef72d0200ff81150000' +
      '000000001d0000006642576e4342624573375279006d7973716c5f6e61746976655f70617373776f726400',
    'hex',
  );

  it("reads a MariaDB server's greeting", () => {
    const h = parseHandshakeV10(greeting);
    expect(h.serverVersion).toBe('5.5.5-10.11.19-MariaDB-0+deb12u1');
    expect(h.connectionId).toBe(10);
    expect(h.authPluginData).toHaveLength(20);
    expect(h.authPluginName).toBe('mysql_native_password');
    expect(h.capabilities & CLIENT.PLUGIN_AUTH).not.toBe(0);
    expect(h.capabilities & CLIENT.LONG_PASSWORD).toBe(0);
    expect(h.mariadbCapabilities).toBe(0x1d);
    expect(h.characterSet).toBe(0x2d);
  });

  it('refuses other protocol versions and a cut greeting, at every length', () => {
    expect(() => parseHandshakeV10(Buffer.from([9, 0]))).toThrow(/protocol version 9/);
    for (let n = 0; n < 20; n++) expect(() => parseHandshakeV10(greeting.subarray(0, n))).toThrow(MysqlWireError);
  });

  it('writes a HandshakeResponse41 with a database, plugin and attributes, and an SSLRequest as its first 32 bytes', () => {
    const caps = CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH | CLIENT.CONNECT_WITH_DB | CLIENT.CONNECT_ATTRS | CLIENT.SSL;
    const resp = writeHandshakeResponse41({
      capabilities: caps,
      username: 'me',
      authResponse: Buffer.alloc(20, 7),
      database: 'orders',
      authPluginName: 'mysql_native_password',
      attributes: { _client_name: 'hoop', _pid: '42' },
    });
    expect(parseHandshakeResponse41(resp)).toMatchObject({ username: 'me', database: 'orders', attributes: { _client_name: 'hoop', _pid: '42' } });
    const ssl = writeSslRequest({ capabilities: caps });
    expect(isSslRequest(ssl)).toBe(true);
    expect(isSslRequest(resp)).toBe(false);
    expect(ssl.equals(resp.subarray(0, 32))).toBe(true);
  });

  it('refuses a response whose attributes run past the packet', () => {
    const caps = CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.CONNECT_ATTRS;
    const resp = writeHandshakeResponse41({ capabilities: caps, username: 'me', authResponse: Buffer.alloc(0), attributes: { a: 'b' } });
    resp[resp.length - 5] = 0x40;
    expect(() => parseHandshakeResponse41(resp)).toThrow(MysqlWireError);
  });
});

describe('authentication', () => {
  const scramble = Buffer.from(Array.from({ length: 20 }, (_, i) => i + 1));

  it('computes mysql_native_password and caching_sha2_password tokens (vectors from an independent implementation)', () => {
    expect(nativePasswordToken('secret', scramble).toString('hex')).toBe('b32bb3a583e1340c0a1108d58b1be49781ad8c2f');
    expect(cachingSha2Token('secret', scramble).toString('hex')).toBe('746ebe205d56a0707acb3e796e834e0dd7b1d61743b26bd5202c7a623230c7c9');
    expect(nativePasswordToken('', scramble)).toHaveLength(0);
  });

  it("checks tokens as a server does, and refuses another password's", () => {
    expect(verifyNativePassword(nativePasswordToken('pw', scramble), scramble, nativePasswordHash('pw'))).toBe(true);
    expect(verifyNativePassword(nativePasswordToken('pX', scramble), scramble, nativePasswordHash('pw'))).toBe(false);
    expect(verifyCachingSha2(cachingSha2Token('pw', scramble), scramble, cachingSha2Hash('pw'))).toBe(true);
    expect(verifyCachingSha2(cachingSha2Token('pX', scramble), scramble, cachingSha2Hash('pw'))).toBe(false);
    expect(verifyCachingSha2(Buffer.alloc(3), scramble, cachingSha2Hash('pw'))).toBe(false);
  });

  it('encrypts the password for full authentication with the RSA key so the server can XOR it back', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const enc = cachingSha2RsaPassword('pässword', scramble, publicKey.export({ type: 'spki', format: 'pem' }));
    const plain = privateDecrypt({ key: privateKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING }, enc);
    const pw = Buffer.from(plain.map((b, i) => b ^ scramble[i % scramble.length]!));
    expect(pw.toString('utf8')).toBe('pässword\0');
    expect(() => cachingSha2RsaPassword('x', scramble, 'not a key')).toThrow(MysqlWireError);
  });

  it('reads an AuthSwitchRequest and refuses the old-password one', () => {
    const sw = parseAuthSwitchRequest(writeAuthSwitchRequest(CACHING_SHA2_PASSWORD, Buffer.concat([scramble, Buffer.from([0])])));
    expect(sw.pluginName).toBe(CACHING_SHA2_PASSWORD);
    expect(sw.pluginData).toHaveLength(21);
    expect(() => parseAuthSwitchRequest(Buffer.from([0xfe]))).toThrow(/old password/);
  });
});

describe('OK and ERR', () => {
  it('reads an OK with session-state changes under CLIENT_SESSION_TRACK', () => {
    const caps = CLIENT.PROTOCOL_41 | CLIENT.SESSION_TRACK;
    const state = [{ type: 1, data: new PayloadWriter().lenencString('orders').finish() }];
    const ok = parseOk(writeOk({ affectedRows: 3n, info: 'Rows matched: 3', sessionState: state }, caps), caps);
    expect(ok).toMatchObject({ affectedRows: 3n, info: 'Rows matched: 3', sessionState: state });
    // a server leaves out the info of an OK that has none
    expect(parseOk(Buffer.from('00000002000000', 'hex'), caps).info).toBe('');
  });

  it('reads an ERR with and without SQLSTATE (errors before the login has agreed on protocol 4.1)', () => {
    expect(parseErr(writeErr({ code: 1045, sqlState: '28000', message: 'Access denied' }))).toEqual({
      code: 1045,
      sqlState: '28000',
      message: 'Access denied',
    });
    expect(parseErr(writeErr({ code: 1129, message: "Host 'x' is blocked" }))).toEqual({ code: 1129, sqlState: '', message: "Host 'x' is blocked" });
  });
});

describe('declared lengths', () => {
  it('a header claiming 16 MB reserves nothing near that before the bytes arrive, however it is cut', () => {
    const head = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x00]), Buffer.alloc(100, 0x61)]);
    for (let cut = 0; cut <= 6; cut++) {
      const parsers = Array.from({ length: 8 }, () => new PacketParser({ maxPayload: 64 * MiB }));
      const before = process.memoryUsage().arrayBuffers;
      for (const p of parsers) {
        p.push(head.subarray(0, cut), () => undefined);
        p.push(head.subarray(cut), () => undefined);
        expect(p.pending).toBe(head.length);
      }
      expect(process.memoryUsage().arrayBuffers - before, `cut at ${cut}`).toBeLessThan(4 * MiB);
    }
  });
});
