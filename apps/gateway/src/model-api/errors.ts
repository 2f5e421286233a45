import type { ServerResponse } from 'node:http';

/** An error body worded as the Messages API words its own, so Claude Code shows it as an API error. */
export function apiErrorBody(type: string, message: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'error', error: { type, message } }));
}

export function sendApiError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  const body = apiErrorBody(type, message);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length), ...headers }).end(body);
}

/** The gateway's routing refusals (client-link/routing.ts) as API errors: status and error type. */
export const ROUTE_ERRORS: Record<string, [number, string]> = {
  not_found: [404, 'not_found_error'],
  forbidden: [403, 'permission_error'],
  wrong_mode: [403, 'permission_error'],
  approval_required: [403, 'permission_error'],
  rate_limited: [429, 'rate_limit_error'],
  no_agent: [503, 'api_error'],
  agent_offline: [503, 'api_error'],
};
