export { evaluateMysql, initMysqlGuard } from './guard';
export { MYSQL_RULES } from './rules';
