import { type BinaryValue, isKnownType, readBinaryValue, writeBinaryValue } from './binary-values';
import { CLIENT, COM, CURSOR, UTF8MB4_GENERAL_CI } from './constants';
import { ER, MysqlWireError } from './errors';
import { readAttributes, writeAttributes } from './handshake';
import { PayloadReader } from './reader';
import { PayloadWriter } from './writer';

/** A parameter of COM_STMT_EXECUTE (or a query attribute): its type, UNSIGNED flag, name (attributes only), value. */
export interface BoundParam {
  type: number;
  unsigned: boolean;
  name?: string;
  value: BinaryValue;
}

export interface ChangeUser {
  user: string;
  authResponse: Buffer;
  database: string;
  characterSet?: number;
  authPluginName?: string;
  attributes?: Record<string, string>;
}

export type Command =
  | { type: 'Quit' | 'Ping' | 'ResetConnection' | 'Statistics' | 'Debug' | 'ProcessInfo' }
  | { type: 'Query'; sql: string; attributes?: BoundParam[] }
  | { type: 'InitDb'; schema: string }
  | { type: 'FieldList'; table: string; wildcard: string }
  | { type: 'ProcessKill'; connectionId: number }
  | { type: 'SetOption'; option: number }
  | { type: 'ChangeUser'; changeUser: ChangeUser }
  | { type: 'StmtPrepare'; sql: string }
  | { type: 'StmtExecute'; statementId: number; flags: number; iterations: number; params: BoundParam[]; newParamsBound: boolean }
  | { type: 'StmtSendLongData'; statementId: number; paramId: number; data: Buffer }
  | { type: 'StmtClose' | 'StmtReset'; statementId: number }
  | { type: 'StmtFetch'; statementId: number; rows: number }
  | { type: 'Unknown'; command: number };

/** What COM_STMT_EXECUTE's parameters are read with: a statement's parameter count and the types last bound to it. */
export interface StatementParams {
  paramCount: number;
  /** types of the previous execute, for one that does not bind new ones */
  types?: readonly Pick<BoundParam, 'type' | 'unsigned'>[];
  /** parameters whose value was sent with COM_STMT_SEND_LONG_DATA (left out of the execute packet) */
  longData?: ReadonlySet<number>;
}

export interface CommandContext {
  capabilities: number;
  /** the statement behind a COM_STMT_EXECUTE's id (undefined: unknown statement, read as one without parameters) */
  statement?: (statementId: number) => StatementParams | undefined;
}

/** Parses a client's command packet (after the login). An unknown command byte gives `{ type: 'Unknown' }`. */
export function parseCommand(payload: Buffer, ctx: CommandContext): Command {
  const r = new PayloadReader(payload, 'command');
  const com = r.int1();
  const out = ((): Command => {
    switch (com) {
      case COM.QUIT:
        return { type: 'Quit' };
      case COM.PING:
        return { type: 'Ping' };
      case COM.RESET_CONNECTION:
        return { type: 'ResetConnection' };
      case COM.STATISTICS:
        return { type: 'Statistics' };
      case COM.DEBUG:
        return { type: 'Debug' };
      case COM.PROCESS_INFO:
        return { type: 'ProcessInfo' };
      case COM.QUERY:
        return readQuery(r, ctx.capabilities);
      case COM.INIT_DB:
        return { type: 'InitDb', schema: r.restString() };
      case COM.FIELD_LIST:
        return { type: 'FieldList', table: r.nulString(), wildcard: r.restString() };
      case COM.PROCESS_KILL:
        return { type: 'ProcessKill', connectionId: r.int4() };
      case COM.SET_OPTION:
        return { type: 'SetOption', option: r.int2() };
      case COM.CHANGE_USER:
        return { type: 'ChangeUser', changeUser: readChangeUser(r, ctx.capabilities) };
      case COM.STMT_PREPARE:
        return { type: 'StmtPrepare', sql: r.restString() };
      case COM.STMT_EXECUTE:
        return readExecute(r, ctx);
      case COM.STMT_SEND_LONG_DATA:
        return { type: 'StmtSendLongData', statementId: r.int4(), paramId: r.int2(), data: r.rest() };
      case COM.STMT_CLOSE:
        return { type: 'StmtClose', statementId: r.int4() };
      case COM.STMT_RESET:
        return { type: 'StmtReset', statementId: r.int4() };
      case COM.STMT_FETCH:
        return { type: 'StmtFetch', statementId: r.int4(), rows: r.int4() };
      default:
        r.rest();
        return { type: 'Unknown', command: com };
    }
  })();
  r.done();
  return out;
}

function readQuery(r: PayloadReader, caps: number): Command {
  if ((caps & CLIENT.QUERY_ATTRIBUTES) === 0) return { type: 'Query', sql: r.restString() };
  const count = r.lenenc();
  const sets = r.lenenc();
  if (sets !== 1) throw new MysqlWireError(`COM_QUERY: parameter set count ${sets}`);
  const attributes = count > 0 ? readParams(r, count, undefined, true) : [];
  return { type: 'Query', sql: r.restString(), attributes };
}

function readChangeUser(r: PayloadReader, caps: number): ChangeUser {
  const user = r.nulString();
  const authResponse = (caps & CLIENT.SECURE_CONNECTION) !== 0 ? r.bytes(r.int1()) : r.nulBytes();
  const cu: ChangeUser = { user, authResponse, database: r.nulString(true) };
  if (r.left > 0) cu.characterSet = r.int2();
  if ((caps & CLIENT.PLUGIN_AUTH) !== 0 && r.left > 0) cu.authPluginName = r.nulString(true);
  if ((caps & CLIENT.CONNECT_ATTRS) !== 0 && r.left > 0) cu.attributes = readAttributes(r);
  return cu;
}

function readExecute(r: PayloadReader, ctx: CommandContext): Command {
  const statementId = r.int4();
  const flags = r.int1();
  const iterations = r.int4();
  const stmt = ctx.statement?.(statementId);
  let count = stmt?.paramCount ?? 0;
  const attrs = (ctx.capabilities & CLIENT.QUERY_ATTRIBUTES) !== 0;
  if (attrs && (count > 0 || (flags & CURSOR.PARAMETER_COUNT_AVAILABLE) !== 0)) count = r.lenenc();
  const out = { type: 'StmtExecute' as const, statementId, flags, iterations, params: [] as BoundParam[], newParamsBound: false };
  if (count === 0) return out;
  const nulls = r.bytes(Math.ceil(r.count(count, 1, 'parameter') / 8));
  out.newParamsBound = r.int1() === 1;
  let types: Pick<BoundParam, 'type' | 'unsigned' | 'name'>[];
  if (out.newParamsBound) types = readTypes(r, count, attrs);
  else if (stmt?.types && stmt.types.length === count) types = [...stmt.types];
  else throw new MysqlWireError('COM_STMT_EXECUTE: no parameter types bound for this statement');
  out.params = types.map((t, i) => {
    const isNull = (nulls[i >> 3]! & (1 << (i & 7))) !== 0;
    const value = isNull || stmt?.longData?.has(i) ? null : readBinaryValue(r, t.type, t.unsigned);
    return { ...t, value };
  });
  return out;
}

function readTypes(r: PayloadReader, count: number, names: boolean): Pick<BoundParam, 'type' | 'unsigned' | 'name'>[] {
  r.count(count, 2, 'parameter');
  const types: Pick<BoundParam, 'type' | 'unsigned' | 'name'>[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.int1();
    const unsigned = (r.int1() & 0x80) !== 0;
    if (!isKnownType(type)) throw new MysqlWireError(`parameter ${i}: unknown type ${type}`);
    types.push(names ? { type, unsigned, name: r.lenencString() } : { type, unsigned });
  }
  return types;
}

function readParams(r: PayloadReader, count: number, longData: ReadonlySet<number> | undefined, names: boolean): BoundParam[] {
  const nulls = r.bytes(Math.ceil(r.count(count, 1, 'parameter') / 8));
  if (r.int1() !== 1) throw new MysqlWireError('query attributes: types must be bound');
  return readTypes(r, count, names).map((t, i) => ({
    ...t,
    value: (nulls[i >> 3]! & (1 << (i & 7))) !== 0 || longData?.has(i) ? null : readBinaryValue(r, t.type, t.unsigned),
  }));
}

function writeParams(w: PayloadWriter, params: readonly BoundParam[], bindTypes: boolean, names: boolean, longData?: ReadonlySet<number>): void {
  const nulls = Buffer.alloc((params.length + 7) >> 3);
  params.forEach((p, i) => {
    if (p.value === null && !longData?.has(i)) nulls[i >> 3]! |= 1 << (i & 7);
  });
  w.bytes(nulls).int1(bindTypes ? 1 : 0);
  if (bindTypes)
    for (const p of params) {
      w.int1(p.type).int1(p.unsigned ? 0x80 : 0);
      if (names) w.lenencString(p.name ?? '');
    }
  params.forEach((p, i) => {
    if (p.value !== null && !longData?.has(i)) writeBinaryValue(w, p.type, p.value);
  });
}

/** Writes a command packet's payload; the inverse of `parseCommand` (with the same capabilities). */
export function writeCommand(c: Command, capabilities: number, longData?: ReadonlySet<number>): Buffer {
  const w = new PayloadWriter(64);
  const simple = {
    Quit: COM.QUIT,
    Ping: COM.PING,
    ResetConnection: COM.RESET_CONNECTION,
    Statistics: COM.STATISTICS,
    Debug: COM.DEBUG,
    ProcessInfo: COM.PROCESS_INFO,
  };
  switch (c.type) {
    case 'Quit':
    case 'Ping':
    case 'ResetConnection':
    case 'Statistics':
    case 'Debug':
    case 'ProcessInfo':
      return w.int1(simple[c.type]).finish();
    case 'Query':
      w.int1(COM.QUERY);
      if ((capabilities & CLIENT.QUERY_ATTRIBUTES) !== 0) {
        const attrs = c.attributes ?? [];
        w.lenenc(attrs.length).lenenc(1);
        if (attrs.length > 0) writeParams(w, attrs, true, true);
      }
      return w.string(c.sql).finish();
    case 'InitDb':
      return w.int1(COM.INIT_DB).string(c.schema).finish();
    case 'FieldList':
      return w.int1(COM.FIELD_LIST).nulString(c.table).string(c.wildcard).finish();
    case 'ProcessKill':
      return w.int1(COM.PROCESS_KILL).int4(c.connectionId).finish();
    case 'SetOption':
      return w.int1(COM.SET_OPTION).int2(c.option).finish();
    case 'ChangeUser': {
      const cu = c.changeUser;
      w.int1(COM.CHANGE_USER).nulString(cu.user);
      if ((capabilities & CLIENT.SECURE_CONNECTION) !== 0) {
        if (cu.authResponse.length > 255) throw new RangeError('COM_CHANGE_USER: auth response longer than 255 bytes');
        w.int1(cu.authResponse.length).bytes(cu.authResponse);
      } else w.nulString(cu.authResponse);
      // servers read every field the capabilities announce (MariaDB refuses the packet when the attributes are missing)
      w.nulString(cu.database).int2(cu.characterSet ?? UTF8MB4_GENERAL_CI);
      if ((capabilities & CLIENT.PLUGIN_AUTH) !== 0) w.nulString(cu.authPluginName ?? '');
      if ((capabilities & CLIENT.CONNECT_ATTRS) !== 0) writeAttributes(w, cu.attributes ?? {});
      return w.finish();
    }
    case 'StmtPrepare':
      return w.int1(COM.STMT_PREPARE).string(c.sql).finish();
    case 'StmtExecute': {
      w.int1(COM.STMT_EXECUTE).int4(c.statementId).int1(c.flags).int4(c.iterations);
      const attrs = (capabilities & CLIENT.QUERY_ATTRIBUTES) !== 0;
      if (attrs && (c.params.length > 0 || (c.flags & CURSOR.PARAMETER_COUNT_AVAILABLE) !== 0)) w.lenenc(c.params.length);
      if (c.params.length > 0) writeParams(w, c.params, c.newParamsBound, attrs, longData);
      return w.finish();
    }
    case 'StmtSendLongData':
      return w.int1(COM.STMT_SEND_LONG_DATA).int4(c.statementId).int2(c.paramId).bytes(c.data).finish();
    case 'StmtClose':
      return w.int1(COM.STMT_CLOSE).int4(c.statementId).finish();
    case 'StmtReset':
      return w.int1(COM.STMT_RESET).int4(c.statementId).finish();
    case 'StmtFetch':
      return w.int1(COM.STMT_FETCH).int4(c.statementId).int4(c.rows).finish();
    case 'Unknown':
      throw new MysqlWireError(`unknown command 0x${c.command.toString(16)}`, ER.UNKNOWN_COM);
  }
}

/** COM_STMT_PREPARE's answer (COM_STMT_PREPARE_OK); parameter then column definitions follow it. */
export interface PrepareOk {
  statementId: number;
  columns: number;
  params: number;
  warnings: number;
}

export function parsePrepareOk(payload: Buffer): PrepareOk {
  const r = new PayloadReader(payload, 'COM_STMT_PREPARE_OK');
  if (r.int1() !== 0x00) throw new MysqlWireError('COM_STMT_PREPARE_OK: does not start with 0x00');
  const statementId = r.int4();
  const columns = r.int2();
  const params = r.int2();
  let warnings = 0;
  if (r.left > 0) {
    r.skip(1);
    warnings = r.int2();
  }
  // MySQL 8 adds a metadata-follows byte when CLIENT_OPTIONAL_RESULTSET_METADATA is agreed (never asked for here)
  if (r.left === 1) r.skip(1);
  r.done();
  return { statementId, columns, params, warnings };
}

export function writePrepareOk(p: PrepareOk): Buffer {
  return new PayloadWriter(12).int1(0).int4(p.statementId).int2(p.columns).int2(p.params).int1(0).int2(p.warnings).finish();
}
