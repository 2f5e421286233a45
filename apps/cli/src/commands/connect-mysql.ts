/**
 * `hoop connect` for a MySQL/MariaDB connection: the client's bytes ride the tunnel as they are, and the agent's MySQL
 * session greets the client with the target's version and takes any user name and password. What is MySQL-specific
 * on this side is the ready message, and the error packet a client is given when no session could be opened (so the
 * mysql client prints the reason instead of "Lost connection").
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** ER_HOST_NOT_PRIVILEGED: what a server sends in place of its greeting when it will not serve a client */
const REFUSED = 1130;

/**
 * An ERR packet in place of the greeting (sequence 0, no SQL state: the client has not told its capabilities yet), which
 * the mysql and mariadb clients print as `ERROR 1130 (HY000): <message>`.
 */
export function mysqlRefusal(message: string): Buffer {
  const text = Buffer.from(message.slice(0, 1000), 'utf8');
  const payload = Buffer.alloc(3 + text.length);
  payload[0] = 0xff;
  payload.writeUInt16LE(REFUSED, 1);
  text.copy(payload, 3);
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = 0;
  return Buffer.concat([header, payload]);
}

/** How to reach the local port: the mariadb/mysql command line and a mysql:// URL (user: the connection's name). */
export function mysqlReady(name: string, host: string, port: number, database: string | null | undefined): string {
  const db = database ? ` ${database}` : '';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `mysql://${encodeURIComponent(name)}@${urlHost}:${port}${database ? `/${encodeURIComponent(database)}` : ''}`;
  return (
    `  mariadb -h ${host} -P ${port} -u ${name}${db}     (or mysql, the same options)\n` +
    `  export DATABASE_URL="${url}"\n` +
    '  any user name and password work and TLS is not offered: any program or user on this machine that reaches the port can use it\n'
  );
}

/**
 * `hoop connect --exec`: the mariadb client (or mysql, where that is what is installed) against the local port, as
 * the ready message says to run it; no password (the port takes any), the connection's database when it has one.
 */
export function mysqlClient(
  name: string,
  host: string,
  port: number,
  database: string | null | undefined,
  searchPath: string,
): { command: string; args: string[] } | null {
  const command = ['mariadb', 'mysql'].find((program) => onPath(program, searchPath));
  if (!command) return null;
  return { command, args: ['-h', host, '-P', String(port), '-u', name, ...(database ? [database] : [])] };
}

function onPath(program: string, searchPath: string): boolean {
  return searchPath.split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
