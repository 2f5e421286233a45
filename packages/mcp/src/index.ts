export { type ConnectionInfo, createHoopMcpServer, type McpDeps } from './tools';
export { pgClientOver } from './pg-stream';
