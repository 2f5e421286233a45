export type { MysqlContext } from './evaluate';
export { evaluateMysql, initMysqlGuard } from './guard';
export { MYSQL_RULES } from './rules';
export { literalFreeMysql, literalShapeMysql } from './shape';
