import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@hoop/log';
import { type ApiDeps, handleApi } from './api';
import type { SlackIntegration } from '../slack';

export interface HttpDeps {
  api: ApiDeps;
  slack: SlackIntegration;
  log: Logger;
}

/**
 * The gateway's plain HTTP requests: `/healthz`, MCP over HTTP (`/mcp`), Slack's interactivity callback and the JSON
 * API the CLI uses (`/api/…`). A handler that fails answers 500 and logs why; the rest is 404.
 */
export function httpHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { api, slack, log } = deps;
  // the MCP server (and the SQL parser it uses) is loaded on the first /mcp request: gateways that serve no agents
  // over HTTP do not carry it
  let mcp: Promise<typeof import('./mcp').handleMcp> | null = null;
  const mcpHandler = () => (mcp ??= Promise.all([import('./mcp'), import('@hoop/pipeline').then((p) => p.initShellGuard())]).then(([m]) => m.handleMcp));

  return (req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, agents: api.agents.all().length }));
      return;
    }
    if (req.url === '/mcp' || req.url?.startsWith('/mcp?')) {
      mcpHandler()
        .then((handleMcp) => handleMcp({ db: api.db, agents: api.agents, log, webUrl: api.webUrl }, req, res))
        .catch((err: Error) => {
          log.error('mcp request failed', { error: err.message });
          if (!res.headersSent)
            res
              .writeHead(500, { 'content-type': 'application/json' })
              .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error; see the gateway log' }, id: null }));
        });
      return;
    }
    if (req.url === '/integrations/slack/interactivity') {
      slack.handleInteractivity(req, res).catch((err: Error) => {
        log.error('Slack interactivity failed', { error: err.message });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error' }));
      });
      return;
    }
    if (req.url?.startsWith('/api/')) {
      handleApi(api, req, res).catch((err: Error) => {
        log.error('api request failed', { error: err.message, url: req.url });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error; see the gateway log' }));
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };
}
