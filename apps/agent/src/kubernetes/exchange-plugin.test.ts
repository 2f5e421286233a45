import { describe, expect, it } from 'vitest';
import { ExchangeFrameParser, type Frame, FrameKind } from '@hoop/httpwire';
import { defaultPolicy } from '@hoop/pipeline';
import { kubernetesPlugin, secretsPath } from './exchange-plugin';

const server = { server: 'https://10.0.0.1:6443', connectTimeoutMs: 5000 };
const plugin = (reveal = false) => kubernetesPlugin({ server, token: 'sa-token', user: { email: 'ann@example.com', groups: [] }, reveal: () => reveal });
const get = (path: string) => ({ method: 'GET', path, headers: {} });
const answer = (type: string) => ({ status: 200, headers: { 'content-type': type } });

describe('the kubernetes plug-in of the http plumbing', () => {
  it('judges requests as the API server reads them and sends the path as read', () => {
    const p = plugin();
    expect(p.judge({ method: 'DELETE', path: '/api/v1/namespaces/payments/', headers: {} }, defaultPolicy(), false, null)).toMatchObject({
      verdict: { action: 'deny', ruleId: 'kubernetes-delete-namespace' },
      target: '/api/v1/namespaces/payments/',
    });
    expect(p.judge(get('/api/v1/namespaces/x/../y/pods?watch=1'), defaultPolicy(), false, null)).toMatchObject({
      verdict: { action: 'allow' },
      target: '/api/v1/namespaces/y/pods?watch=1',
    });
    expect(p.judge(get('/api/v1/namespaces/a%2Fb/pods'), defaultPolicy(), false, null)).toMatchObject({ verdict: { action: 'deny' }, target: null });
  });

  it('refuses an answer it cannot read to redact, and redacts JSON unless the policy reveals Secrets', () => {
    const p = plugin();
    const target = '/api/v1/namespaces/x/secrets/db';
    expect(p.responseFilter(get(target), target, answer('application/vnd.kubernetes.protobuf'), 'binary')).toMatchObject({
      refuse: expect.stringContaining('cannot read to redact Secrets'),
    });
    expect(p.responseFilter(get(target), target, answer('application/yaml'), 'binary')).toHaveProperty('refuse');
    expect(p.responseFilter(get('/api/v1/namespaces/x/pods/p'), '/api/v1/namespaces/x/pods/p', answer('application/cbor'), 'binary')).toHaveProperty('refuse');
    const log = '/api/v1/namespaces/x/pods/p/log';
    expect(p.responseFilter(get(log), log, answer('text/plain'), 'text')).toEqual({ filter: null });
    const json = p.responseFilter(get(target), target, answer('application/json'), 'json') as { filter: { push(b: Buffer): Buffer; end(): Buffer } };
    const out = Buffer.concat([json.filter.push(Buffer.from('{"kind":"Secret","data":{"k":"aHVudGVyMg=="}}')), json.filter.end()]).toString();
    expect(out).not.toContain('aHVudGVyMg==');
    expect(plugin(true).responseFilter(get(target), target, answer('application/json'), 'json')).toEqual({ filter: null });
  });

  it('redacts request bodies on Secrets in what reviewers and the trail see', () => {
    const p = plugin();
    const target = '/api/v1/namespaces/x/secrets/db';
    const patch =
      '{"data":{"k":"aHVudGVyMg=="},"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"data\\":{\\"k\\":\\"aHVudGVyMg==\\"}}"}}}';
    expect(p.redactBody(patch, target)).not.toContain('aHVudGVyMg==');
    expect(p.redactBody('data:\n  k: aHVudGVyMg==\n', target)).not.toContain('aHVudGVyMg==');
    expect(p.redactBody('data:\n  k: v\n', '/api/v1/namespaces/x/configmaps/c')).toBe('data:\n  k: v\n');
    expect(secretsPath('/api/v1/namespaces/x/SECRETS?watch=1')).toBe(true);
    expect(secretsPath('/api/v1/namespaces/secrets-team/pods')).toBe(false);
  });

  it('answers refusals as Status objects kubectl prints', () => {
    const frames: Frame[] = [];
    const parser = new ExchangeFrameParser();
    for (const f of plugin().answerFrames(7, { status: 403, type: 'blocked', message: 'blocked by hoop guardrail "x": no', rule: 'x', decision: 'deny' }))
      parser.push(f, (fr) => frames.push({ ...fr, payload: Buffer.from(fr.payload) }));
    const head = JSON.parse(frames[0]!.payload.toString());
    expect(head).toMatchObject({ status: 403, headers: { 'content-type': 'application/json', 'x-hoop-decision': 'deny', 'x-hoop-rule': 'x' } });
    const body = JSON.parse(
      frames
        .filter((f) => f.kind === FrameKind.body)
        .map((f) => f.payload.toString())
        .join(''),
    );
    expect(body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message: 'blocked by hoop guardrail "x": no',
    });
    expect(frames.at(-1)!.kind).toBe(FrameKind.end);
  });
});
