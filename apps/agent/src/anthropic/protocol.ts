import http from 'node:http';
import https from 'node:https';
import { anthropicConfigFrom } from '@hoop/protocol';
import type { Protocol } from '../session/protocol';
import { serveExchanges } from './exchanges';
import { conversationPolicy } from './policy';
import { anthropicUpstream } from './upstream';

/**
 * Anthropic (model API) connections: Claude Code's requests, authenticated by the gateway with the user's hoop token,
 * go to the API with the org's key, which only the agent holds (the connection's credential). One session is one
 * Claude Code conversation; its requests arrive as exchanges on the session's stream (exchanges.ts).
 */
export function anthropicProtocol(): Protocol {
  // kept-alive connections to the API, shared by the agent's sessions
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return {
    async serve(s) {
      const config = anthropicConfigFrom(s.conn.config);
      if (typeof config === 'string') return s.reject('bad_config', `connection "${s.conn.name}": ${config}`);
      const secret = await s.credential();
      if (!secret) return;
      if (!secret.value) return s.reject('secret_unavailable', `connection "${s.conn.name}" has no API key; an admin sets it as the connection's credential`);
      // tool calls are judged by the shell guard, whose parser loads once
      await import('@hoop/pipeline').then((p) => p.initShellGuard());
      const started = Date.now();
      const stream = s.accept({ baseUrl: config.baseUrl });
      serveExchanges(stream, {
        upstream: anthropicUpstream(config, secret.value, agents),
        log: s.log,
        policy: conversationPolicy(() => s.current(), s.hooks),
        budget: s.budget,
        audit: (type, data) => s.audit(type, data),
        onEnd: (reason, totals) => s.audit('session.close', { reason, ...totals.fields(), durationMs: Date.now() - started }),
      });
    },
    async probe(conn, secret, rec) {
      const { probeAnthropic } = await import('./probe');
      return probeAnthropic(conn, secret, rec);
    },
  };
}
