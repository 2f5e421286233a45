import type { RequestHead } from '@hoop/httpwire';
import { evaluateKubernetes, type KubeRequest, parseKubeRequest, SecretRedactor } from '@hoop/pipeline';
import { type KubernetesTargetConfig, kubernetesHttpTarget } from '@hoop/protocol';
import { blockedMessage } from '../session/refusals';
import type { Verdict } from '../session/hooks';
import type { ExchangeContext } from '../http/context';
import type { ExchangePlugin, ServedExchange } from '../http/plugin';
import { kubeForwardedHeaders } from './headers';
import { statusFrames } from './status';
import type { KubeUpgradeHandler } from './upgrade-hook';

/** Whether a request is about Secrets: any segment of its path reads `secrets`, whatever its case. */
export function secretsPath(target: string): boolean {
  const path = target.split('?', 1)[0]!;
  return path.split('/').some((s) => s.toLowerCase() === 'secrets');
}

/**
 * The Kubernetes API on the http plumbing: requests judged as the API server reads them (pipeline/src/kubernetes),
 * forwarded with the service account's token and without the client's impersonation headers, refused with Status
 * objects, answers' Secret values redacted before masking (unless the policy reveals them) and answers hoop cannot
 * read refused, each request recorded with its verb, resource, namespace and name. Upgraded connections (exec,
 * attach, port-forward) go to `upgrade` once judged.
 */
export interface KubePluginOptions {
  server: KubernetesTargetConfig;
  token: string;
  user: { email: string; groups: string[] };
  /** the policy reveals Secret values (kubernetes.revealSecrets) */
  reveal(): boolean;
  upgrade?: KubeUpgradeHandler;
}

export function kubernetesPlugin(o: KubePluginOptions): ExchangePlugin {
  const config = kubernetesHttpTarget(o.server);
  return {
    judge(head, policy, readOnly) {
      const d = evaluateKubernetes(head.method, head.path, policy, { readOnly });
      const verdict: Verdict = { action: d.action, ...(d.ruleId ? { ruleId: d.ruleId } : {}), ...(d.reason ? { message: d.reason } : {}) };
      return { verdict, target: d.request?.target ?? null, readsBody: false, maxBody: 0 };
    },
    forwardHeaders: (client) => kubeForwardedHeaders(client, config, o.token),
    answerFrames: statusFrames,
    responseFilter(request, target, response, kind) {
      const r = parseKubeRequest(request.method, target);
      if ('error' in r) return { refuse: `hoop: ${r.error}` };
      const passes = r.verb === 'log' || r.verb === 'proxy' || r.nonResource;
      if (kind === 'json') return { filter: o.reveal() ? null : new SecretRedactor(secretsPath(target)) };
      if (passes || response.status === 204 || response.status === 304) return { filter: null };
      const type = (response.headers['content-type'] ?? 'no content type').slice(0, 80);
      return { refuse: `hoop: the API server answered ${r.verb} ${r.resource} in ${type}, which hoop cannot read to redact Secrets; ask for JSON` };
    },
    redactBody(text, target) {
      if (o.reveal()) return text;
      const r = new SecretRedactor(secretsPath(target));
      try {
        return Buffer.concat([r.push(Buffer.from(text)), r.end()]).toString('utf8');
      } catch {
        // a body that is not JSON is only a risk on a Secret's path
        return secretsPath(target) ? '[REDACTED: a request body on Secrets that hoop cannot read]' : text;
      }
    },
    recordFields(request, target) {
      const r = parseKubeRequest(request.method, target || request.path);
      return 'error' in r ? {} : { kubernetes: kubeFields(r) };
    },
    open(id, head, ctx, onDone) {
      const up = (head.headers.connection ?? '').toLowerCase().includes('upgrade') || head.headers.upgrade !== undefined;
      if (!up) return null;
      return openUpgrade(id, head, ctx, onDone, o);
    },
  };
}

function kubeFields(r: KubeRequest): Record<string, string> {
  return { verb: r.verb, group: r.group, version: r.version, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name };
}

/**
 * An upgraded connection (exec, attach, port-forward over WebSocket or SPDY): judged like any request, then handed
 * to the upgrade handler. An agent without one answers 501 in a Status that says so.
 */
function openUpgrade(id: number, head: RequestHead, ctx: ExchangeContext, onDone: () => void, o: KubePluginOptions): ServedExchange | null {
  const resolved = ctx.policy();
  const started = Date.now();
  const d =
    'error' in resolved
      ? { action: 'deny' as const, ruleId: 'invalid-policy', reason: 'the policy of the connection is invalid, so nothing runs' }
      : evaluateKubernetes(head.method, head.path, resolved.policy, { readOnly: ctx.readOnly() });
  const verdict: Verdict = { action: d.action, ...(d.ruleId ? { ruleId: d.ruleId } : {}), ...(d.reason ? { message: d.reason } : {}) };
  const request = 'request' in d ? d.request : undefined;
  if (d.action !== 'deny' && request && o.upgrade)
    return o.upgrade({
      id,
      head,
      request,
      verdict,
      server: o.server,
      headers: kubeForwardedHeaders(head.headers, kubernetesHttpTarget(o.server), o.token),
      impersonate: { user: o.user.email, groups: o.user.groups },
      ctx,
      onDone,
    });
  const refused = d.action === 'deny';
  const message = refused
    ? blockedMessage(verdict)
    : `hoop: this agent does not pass upgraded connections (${request?.verb ?? 'upgrade'}: exec, attach, port-forward) to the API server yet`;
  const status = refused ? 403 : 501;
  for (const f of statusFrames(id, {
    status,
    type: refused ? 'blocked' : 'not_implemented',
    message,
    ...(refused ? { rule: verdict.ruleId ?? 'policy', decision: 'deny' } : {}),
  }))
    ctx.send(f);
  const masked = ctx.hooks.takeMaskCounts();
  ctx.audit('statement', {
    sql: ctx.hooks.maskAudit(`${head.method} ${request?.target ?? head.path.slice(0, 2000)}`),
    lang: 'http',
    decision: refused ? 'deny' : d.action,
    ruleId: refused ? (verdict.ruleId ?? null) : null,
    reason: message,
    executed: false,
    exchange: id,
    method: head.method,
    status,
    tags: [`HTTP ${status}`],
    durationMs: Date.now() - started,
    masked,
    ...(request ? { kubernetes: kubeFields(request) } : {}),
  });
  ctx.tally(refused ? 'deny' : d.action, status, masked);
  onDone();
  return { over: true, body() {}, end() {}, abort() {} };
}
