import { type ColumnDefinition, type OkPacket, parseTextRow, ResponseReader, writeCommand } from '@hoop/mysqlwire';
import { PacketChannel } from './channel';
import { MysqlTargetError, type MysqlTargetSession } from './target';

/** One statement's answer: its columns and text rows, or the OK of a statement without rows. */
export interface SimpleResult {
  columns: ColumnDefinition[];
  rows: (string | null)[][];
  ok?: OkPacket;
}

/**
 * Runs one statement on a logged-in target connection with COM_QUERY and reads its whole answer (the connection
 * test's `SELECT VERSION()`, the agent's own session settings). The server's ERR is a MysqlTargetError with its code.
 */
export async function simpleQuery(session: MysqlTargetSession, sql: string, timeoutMs: number): Promise<SimpleResult> {
  const channel = new PacketChannel(session.packets, () => 'the target closed the connection');
  const reader = new ResponseReader(session.capabilities);
  const out: SimpleResult = { columns: [], rows: [] };
  let error: MysqlTargetError | null = null;
  channel.attach(session.socket);
  let timer: NodeJS.Timeout | undefined;
  try {
    reader.expect('query');
    channel.write(writeCommand({ type: 'Query', sql }, session.capabilities), 0);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MysqlTargetError(`no answer from the target within ${timeoutMs / 1000}s`)), timeoutMs);
    });
    while (!reader.idle) {
      const p = await Promise.race([channel.next(), timeout]);
      reader.push(p.payload, p.sequenceId, (m, payload) => {
        if (m.type === 'Column' && out.rows.length === 0) out.columns.push(m.column);
        else if (m.type === 'Row') out.rows.push(parseTextRow(payload, out.columns.length).map((v) => (v === null ? null : v.toString('utf8'))));
        else if (m.type === 'OK') out.ok = m.ok;
        else if (m.type === 'Error') error = new MysqlTargetError(`${m.err.message} (${m.err.code})`, { code: m.err.code, sqlState: m.err.sqlState });
        else if (m.type === 'LocalInfile') {
          // no file is sent: an empty packet ends the transfer, and the server answers with OK or ERR
          channel.write(Buffer.alloc(0), (p.sequenceId + 1) & 0xff);
          error = new MysqlTargetError(`the statement asked for the local file ${m.filename}, which is refused`);
        }
      });
    }
  } finally {
    clearTimeout(timer);
    channel.detach();
  }
  if (error) throw error;
  return out;
}
