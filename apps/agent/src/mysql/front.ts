import { randomBytes } from 'node:crypto';
import {
  CLIENT,
  type HandshakeResponse41,
  type HandshakeV10,
  isSslRequest,
  NATIVE_PASSWORD,
  parseHandshakeResponse41,
  writeHandshakeV10,
} from '@hoop/mysqlwire';

/**
 * What the agent offers a client: what the target offers, less what the relay does not carry. TLS is the tunnel's
 * (the client reaches hoop locally); compression, query attributes and optional metadata would change the packets the
 * relay reads. LOCAL INFILE is offered: the guard refuses LOAD DATA LOCAL unless a policy allows it, and the relay
 * passes a server's request for a file on only when the statement names that file.
 */
export const RELAYED_CAPABILITIES =
  CLIENT.LONG_PASSWORD |
  CLIENT.FOUND_ROWS |
  CLIENT.LONG_FLAG |
  CLIENT.CONNECT_WITH_DB |
  CLIENT.LOCAL_FILES |
  CLIENT.NO_SCHEMA |
  CLIENT.ODBC |
  CLIENT.IGNORE_SPACE |
  CLIENT.PROTOCOL_41 |
  CLIENT.INTERACTIVE |
  CLIENT.IGNORE_SIGPIPE |
  CLIENT.TRANSACTIONS |
  CLIENT.SECURE_CONNECTION |
  CLIENT.MULTI_STATEMENTS |
  CLIENT.MULTI_RESULTS |
  CLIENT.PS_MULTI_RESULTS |
  CLIENT.PLUGIN_AUTH |
  CLIENT.CONNECT_ATTRS |
  CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  CLIENT.CAN_HANDLE_EXPIRED_PASSWORDS |
  CLIENT.SESSION_TRACK |
  CLIENT.DEPRECATE_EOF;

/** The greeting a client gets: the target's version, thread id and character set, with the capabilities relayed. */
export function clientGreeting(target: HandshakeV10): Buffer {
  return writeHandshakeV10({
    serverVersion: target.serverVersion,
    connectionId: target.connectionId,
    // the client's password is not checked (the person was authenticated by the gateway): any scramble will do
    authPluginData: Buffer.from(randomBytes(20).map((b) => b & 0x7f || 1)),
    // LONG_PASSWORD set: a MariaDB client reads no MariaDB-only capabilities from it
    capabilities: ((target.capabilities & RELAYED_CAPABILITIES) | CLIENT.LONG_PASSWORD | CLIENT.PROTOCOL_41 | CLIENT.PLUGIN_AUTH) >>> 0,
    characterSet: target.characterSet,
    statusFlags: target.statusFlags,
    mariadbCapabilities: 0,
    authPluginName: NATIVE_PASSWORD,
  });
}

/** The client's login, or why it cannot be relayed. */
export function clientLogin(payload: Buffer): HandshakeResponse41 | string {
  if (isSslRequest(payload)) return 'TLS is not offered on this port: the connection to hoop is already encrypted (use ssl-mode=DISABLED or PREFERRED)';
  try {
    return parseHandshakeResponse41(payload);
  } catch (err) {
    return `malformed login packet: ${(err as Error).message}`;
  }
}
