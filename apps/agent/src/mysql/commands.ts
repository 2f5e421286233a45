import { COM, type ResponseKind } from '@hoop/mysqlwire';

/** The commands the relay carries, and the answer each gets (null: none); any other command is refused. */
export const ANSWER: Record<number, ResponseKind | null> = {
  [COM.QUERY]: 'query',
  [COM.STMT_PREPARE]: 'prepare',
  [COM.STMT_EXECUTE]: 'execute',
  [COM.STMT_FETCH]: 'fetch',
  [COM.STMT_CLOSE]: null,
  [COM.STMT_SEND_LONG_DATA]: null,
  [COM.STMT_RESET]: 'ok',
  [COM.INIT_DB]: 'ok',
  [COM.PING]: 'ok',
  [COM.RESET_CONNECTION]: 'ok',
  [COM.SET_OPTION]: 'ok',
  [COM.PROCESS_KILL]: 'ok',
  [COM.STATISTICS]: 'statistics',
  [COM.FIELD_LIST]: 'fieldList',
};
