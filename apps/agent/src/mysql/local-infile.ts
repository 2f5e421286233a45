import { createHash } from 'node:crypto';
import { framePacket, packetCount, writeErr } from '@hoop/mysqlwire';
import { sqlTokens } from './sql-tokens';

/**
 * The files a statement asks the client for: the string after each `LOCAL INFILE` (LOAD DATA and LOAD XML), read as
 * the server reads the text (sql-tokens.ts). A server's LOCAL INFILE request for any other name is refused (relay.ts):
 * a hostile or compromised target cannot make the client send a file the statement did not name.
 */
export function localInfileNames(sql: string): string[] {
  const names: string[] = [];
  let prev = ['', ''];
  for (const t of sqlTokens(sql)) {
    if (t.kind === 'string' && prev[0] === 'LOCAL' && prev[1] === 'INFILE') names.push(t.text);
    prev = [prev[1]!, t.kind === 'word' ? t.text.toUpperCase() : ''];
  }
  return names;
}

/**
 * One LOAD DATA LOCAL INFILE transfer, from the server's request to the client's empty packet: the client's packets
 * go to the target as they come, renumbered after the request's, and the trail records the file's name, size and
 * sha256 (not its contents).
 */
export class InfileTransfer {
  private bytes = 0;
  private packets = 0;
  private readonly hash = createHash('sha256');

  private constructor(
    private readonly file: string,
    /** the sequence id of the next packet to the target */
    public sequenceId: number,
    private readonly mask: (text: string) => string,
  ) {}

  /**
   * The transfer the server asks for, or its refusal when the statement does not name the file: an empty file for the
   * target (sequence ids after the request's), the ERR for the client in the request's place, and the trail's record.
   */
  static start(
    sql: string | null,
    file: string,
    requestSeq: number,
    hooks: { maskAudit(text: string): string; maskText(text: string): string },
  ): InfileTransfer | { toTarget: Buffer; toClient: Buffer; reason: string; record: Record<string, unknown> } {
    if (sql !== null && localInfileNames(sql).includes(file)) return new InfileTransfer(file, (requestSeq + 1) & 0xff, hooks.maskAudit);
    const reason = `the server asked for the local file '${file}', which the statement does not name: refused, the file was not sent`;
    return {
      toTarget: framePacket(Buffer.alloc(0), (requestSeq + 1) & 0xff),
      toClient: framePacket(writeErr({ code: 1148, sqlState: '42000', message: hooks.maskText(reason) }), requestSeq),
      reason,
      record: { file: hooks.maskAudit(file), refused: true, reason },
    };
  }

  /** Passes one packet of the client's on; false once it was the empty packet that ends the file. */
  send(payload: Buffer, target: { write(b: Buffer): unknown }): boolean {
    target.write(framePacket(payload, this.sequenceId));
    this.sequenceId = (this.sequenceId + packetCount(payload.length)) & 0xff;
    if (payload.length === 0) return false;
    this.bytes += payload.length;
    this.packets++;
    this.hash.update(payload);
    return true;
  }

  record(): Record<string, unknown> {
    return { file: this.mask(this.file), bytes: this.bytes, packets: this.packets, sha256: this.hash.digest('hex') };
  }
}
