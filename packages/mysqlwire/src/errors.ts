/** Error numbers a server reports for what this codec refuses (the client sees them in an ERR packet). */
export const ER = {
  /** ER_UNKNOWN_COM_ERROR: a command byte the codec does not know */
  UNKNOWN_COM: 1047,
  /** ER_NET_PACKET_TOO_LARGE: a payload over the limit (max_allowed_packet) */
  PACKET_TOO_LARGE: 1153,
  /** ER_NET_PACKETS_OUT_OF_ORDER: a sequence id other than the one expected */
  PACKETS_OUT_OF_ORDER: 1156,
  /** ER_MALFORMED_PACKET: a payload shorter than its contents, a bad length, trailing bytes */
  MALFORMED_PACKET: 1835,
} as const;

const SQLSTATE: Record<number, string> = { 1047: '08S01', 1153: '08S01', 1156: '08S01', 1835: 'HY000' };

/**
 * A protocol violation or limit breach. `code` is the MySQL error number to report in an ERR packet
 * (ER_MALFORMED_PACKET by default) and `sqlState` its SQLSTATE.
 */
export class MysqlWireError extends Error {
  readonly sqlState: string;
  constructor(
    message: string,
    readonly code: number = ER.MALFORMED_PACKET,
  ) {
    super(message);
    this.name = 'MysqlWireError';
    this.sqlState = SQLSTATE[code] ?? 'HY000';
  }
}
