export { evaluateMysql } from './evaluate';
export { MYSQL_RULES } from './rules';
