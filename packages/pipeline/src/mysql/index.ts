export type { MysqlContext } from './evaluate';
export { evaluateMysql, initMysqlGuard } from './guard';
export {
  BUDGET_MAX_MS as MYSQL_PARSE_BUDGET_MAX_MS,
  clearMysqlDfa,
  dfaStates as mysqlDfaStates,
  parseBudgetMs as mysqlParseBudgetMs,
  setMysqlParseClock,
} from './parse';
export { MYSQL_RULES } from './rules';
export { literalFreeMysql, literalShapeMysql } from './shape';
