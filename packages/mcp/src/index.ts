export { type ConnectionInfo, createHoopMcpServer, type McpDeps, type SqlSession } from './tools';
export { pgClientOver } from './pg-stream';
export { mysqlClientOver } from './mysql';
