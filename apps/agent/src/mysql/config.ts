/**
 * A MySQL/MariaDB connection's settings, read by the same function the control plane checks them with before they are
 * saved (@hoop/protocol's connection-config.ts).
 */
export { MYSQL_SSL_MODES as SSL_MODES, type MysqlSslMode, type MysqlTargetConfig, mysqlTargetConfigFrom } from '@hoop/protocol';
