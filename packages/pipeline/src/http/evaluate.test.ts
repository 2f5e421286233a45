import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../policy/schema';
import { evaluateHttp } from './evaluate';
import { canonicalPath, pathMatches } from './path';

const policy = parsePolicy({
  name: 'billing',
  http: {
    rules: [
      { id: 'no-admin', action: 'deny', match: { paths: ['/admin/**'] }, message: 'the admin API is off limits' },
      { id: 'big-refunds', action: 'review', match: { methods: ['POST'], paths: ['/v1/refunds'], body: [{ field: 'amount', above: 1000 }] } },
      {
        id: 'no-prod-customer-write',
        action: 'deny',
        match: { methods: ['put', 'PATCH'], paths: ['/v1/customers/*'], body: [{ field: 'role', equals: 'admin' }] },
      },
      { id: 'sessions-delete-ok', action: 'allow', match: { methods: ['DELETE'], paths: ['/v1/sessions/*'] } },
      { id: 'reports-read', action: 'deny', match: { methods: ['GET'], paths: ['/v1/reports/*/raw'] } },
    ],
  },
});
const judge = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  evaluateHttp({ method, path, headers }, policy, { body: body === undefined ? null : Buffer.from(body) });

describe('http paths read one way', () => {
  it('resolves dot segments, repeated and trailing slashes, and re-encodes what it sends', () => {
    expect(canonicalPath('/v1//invoices/./a/../b/?limit=5')).toEqual({ target: '/v1/invoices/b/?limit=5', path: '/v1/invoices/b', query: 'limit=5' });
    expect(canonicalPath('/%76%31/caf%C3%A9 x')).toMatchObject({ target: '/v1/caf%C3%A9%20x', path: '/v1/café x' });
    expect(canonicalPath('/a/%2e%2e/%2E/b')).toMatchObject({ path: '/b', target: '/b' });
    expect(canonicalPath('/../../etc')).toMatchObject({ path: '/etc' });
    expect(canonicalPath('/')).toMatchObject({ path: '/', target: '/' });
  });

  it('refuses what servers read differently', () => {
    for (const p of [
      '/admin%2Fusers',
      '/admin%5cusers',
      '/a\\b',
      '/admin;jsessionid=1/x',
      '/admin%3bx',
      '/%252e%252e/admin',
      '/a%00b',
      '/a%ZZ',
      '/a%C3',
      '/a#frag',
    ])
      expect(canonicalPath(p), p).toHaveProperty('error');
  });

  it('matches globs by segment, ** across segments, without regard to case', () => {
    expect(pathMatches('/v1/invoices/*', '/v1/invoices/42')).toBe(true);
    expect(pathMatches('/v1/invoices/*', '/v1/invoices/42/lines')).toBe(false);
    expect(pathMatches('/admin/**', '/admin')).toBe(true);
    expect(pathMatches('/admin/**', '/ADMIN/users/1')).toBe(true);
    expect(pathMatches('/v1/*/raw', '/v1/x/raw')).toBe(true);
    expect(pathMatches('/v1/inv*', '/v1/invoices')).toBe(true);
  });
});

describe('http guardrails', () => {
  it('deny a rule whatever the spelling of the path', () => {
    for (const p of [
      '/admin/users',
      '/ADMIN/users',
      '//admin//users',
      '/v1/../admin/users',
      '/v1/%2e%2e/admin/users',
      '/%61dmin/users',
      '/admin/users/',
      '/x/./../admin',
    ])
      expect(judge('GET', p), p).toMatchObject({ action: 'deny', ruleId: 'no-admin', reason: 'the admin API is off limits' });
    for (const p of ['/admin%2fusers', '/admin;x/users', '/%2561dmin/users'])
      expect(judge('GET', p), p).toMatchObject({ action: 'deny', ruleId: 'http-ambiguous-path' });
    expect(judge('GET', '/administrator')).toMatchObject({ action: 'allow' });
  });

  it('review DELETE by default, unless a rule allows it, and judge overridden methods', () => {
    expect(judge('DELETE', '/v1/invoices/1')).toMatchObject({ action: 'review', ruleId: 'http-delete' });
    expect(judge('DELETE', '/v1/sessions/9')).toMatchObject({ action: 'allow' });
    expect(judge('POST', '/v1/invoices/1', '', { 'x-http-method-override': 'DELETE' })).toMatchObject({
      action: 'review',
      ruleId: 'http-delete',
      method: 'DELETE',
    });
    expect(judge('POST', '/v1/invoices/1', '', { 'x-http-method': 'delete' })).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/invoices/1?_method=DELETE')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/invoices/1?_%6Dethod=delete')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/x', '', { 'x-method-override': 'DE LETE' })).toMatchObject({ action: 'deny', ruleId: 'http-method-override' });
    expect(
      evaluateHttp({ method: 'DELETE', path: '/x', headers: {} }, parsePolicy({ name: 'p', http: { builtins: { 'http-delete': { enabled: false } } } })),
    ).toMatchObject({
      action: 'allow',
    });
    expect(evaluateHttp({ method: 'GET', path: '/x', headers: {} }, defaultPolicy())).toMatchObject({ action: 'allow' });
  });

  it('let GET rules cover HEAD, and a read-only connection only read', () => {
    expect(judge('HEAD', '/v1/reports/q3/raw')).toMatchObject({ action: 'deny', ruleId: 'reports-read' });
    expect(evaluateHttp({ method: 'POST', path: '/v1/x', headers: {} }, defaultPolicy(), { readOnly: true })).toMatchObject({
      action: 'deny',
      ruleId: 'read-only',
    });
    expect(evaluateHttp({ method: 'GET', path: '/v1/x', headers: { 'x-http-method-override': 'PUT' } }, defaultPolicy(), { readOnly: true })).toMatchObject({
      action: 'deny',
      ruleId: 'read-only',
    });
    expect(evaluateHttp({ method: 'OPTIONS', path: '/v1/x', headers: {} }, defaultPolicy(), { readOnly: true })).toMatchObject({ action: 'allow' });
  });

  it('read JSON body fields however they are spelled', () => {
    expect(judge('POST', '/v1/refunds', '{"amount": 50}')).toMatchObject({ action: 'allow' });
    expect(judge('POST', '/v1/refunds', '{"amount": 5000}')).toMatchObject({ action: 'review', ruleId: 'big-refunds' });
    expect(judge('POST', '/v1/refunds', '{"amount": "5000"}')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/refunds', '{"\\u0061mount": 5000}')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/refunds', '{"Amount": 5e3}')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/refunds', '{"amount": 5000, "amount": 1}')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/refunds', '{"amount": 1, "amount": 5000}')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/refunds', '\uFEFF{"amount": 5000}')).toMatchObject({ action: 'review' });
    // a body that is not JSON cannot be shown to be small: held
    expect(judge('POST', '/v1/refunds', 'amount=5000')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/refunds', '{"amount": 5000')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/v1/refunds')).toMatchObject({ action: 'review' });
    expect(judge('PUT', '/v1/customers/7', '{"name":"x","role":"ADMIN"}')).toMatchObject({ action: 'deny', ruleId: 'no-prod-customer-write' });
    expect(judge('PUT', '/v1/customers/7', '{"role":"\\u0061dmin"}')).toMatchObject({ action: 'deny' });
    expect(judge('PUT', '/v1/customers/7', '{"role":"viewer"}')).toMatchObject({ action: 'allow' });
  });

  it('fail closed on a policy with bad rules, and refuse empty rules', () => {
    expect(() => parsePolicy({ name: 'p', http: { rules: [{ id: 'x', action: 'deny', match: {} }] } })).toThrow(/match on something/);
    expect(() => parsePolicy({ name: 'p', http: { rules: [{ id: 'x', action: 'deny', match: { paths: ['admin'] } }] } })).toThrow(/starts with/);
    expect(() => parsePolicy({ name: 'p', http: { rules: [{ id: 'x', action: 'deny', match: { methods: ['GE T'] } }] } })).toThrow(/methods/);
  });
});
