import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../policy/schema';
import { evaluateKubernetes } from './evaluate';
import { kubectlRequests } from './kubectl';
import { parseKubeRequest } from './request';

const read = (method: string, path: string) => {
  const r = parseKubeRequest(method, path);
  if ('error' in r) throw new Error(r.error);
  return r;
};

describe('Kubernetes requests read as the API server reads them', () => {
  it('reads verbs, groups, resources, namespaces and names', () => {
    expect(read('GET', '/api/v1/namespaces/payments/pods')).toMatchObject({
      verb: 'list',
      group: '',
      version: 'v1',
      resource: 'pods',
      namespace: 'payments',
      name: '',
    });
    expect(read('GET', '/api/v1/namespaces/payments/pods/web-1')).toMatchObject({ verb: 'get', name: 'web-1', clusterScoped: false });
    expect(read('GET', '/api/v1/namespaces/payments/pods/web-1/log?follow=true')).toMatchObject({ verb: 'log', subresource: 'log' });
    expect(read('POST', '/api/v1/namespaces/payments/pods/web-1/exec?command=sh')).toMatchObject({ verb: 'exec', subresource: 'exec' });
    expect(read('GET', '/api/v1/namespaces/payments/pods/web-1/exec?command=sh')).toMatchObject({ verb: 'exec' });
    expect(read('POST', '/api/v1/namespaces/payments/pods/web-1/attach')).toMatchObject({ verb: 'attach' });
    expect(read('POST', '/api/v1/namespaces/payments/pods/web-1/portforward')).toMatchObject({ verb: 'portforward' });
    expect(read('GET', '/apis/apps/v1/namespaces/payments/deployments?watch=true')).toMatchObject({ verb: 'watch', group: 'apps', resource: 'deployments' });
    expect(read('GET', '/apis/apps/v1/watch/namespaces/payments/deployments')).toMatchObject({ verb: 'watch', namespace: 'payments' });
    expect(read('PATCH', '/apis/apps/v1/namespaces/payments/deployments/web/scale')).toMatchObject({ verb: 'patch', subresource: 'scale', name: 'web' });
    expect(read('PUT', '/api/v1/namespaces/payments/configmaps/x')).toMatchObject({ verb: 'update' });
    expect(read('POST', '/api/v1/namespaces/payments/secrets')).toMatchObject({ verb: 'create', resource: 'secrets' });
    expect(read('DELETE', '/api/v1/namespaces/payments')).toMatchObject({ verb: 'delete', resource: 'namespaces', name: 'payments', clusterScoped: true });
    expect(read('DELETE', '/api/v1/namespaces/payments/pods')).toMatchObject({ verb: 'deletecollection', resource: 'pods' });
    expect(read('DELETE', '/api/v1/nodes/node-1')).toMatchObject({ verb: 'delete', resource: 'nodes', clusterScoped: true });
    expect(read('PUT', '/api/v1/namespaces/payments/finalize')).toMatchObject({
      verb: 'update',
      resource: 'namespaces',
      name: 'payments',
      subresource: 'finalize',
    });
    expect(read('GET', '/api/v1/secrets')).toMatchObject({ verb: 'list', resource: 'secrets', namespace: '' });
    expect(read('GET', '/api/v1/namespaces/x/services/web:80/proxy/admin/x')).toMatchObject({ verb: 'proxy', resource: 'services', name: 'web:80' });
    expect(read('GET', '/api/v1/proxy/namespaces/x/pods/web/')).toMatchObject({ verb: 'proxy' });
    for (const p of ['/version', '/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/openapi/v2', '/healthz'])
      expect(read('GET', p), p).toMatchObject({ nonResource: true, verb: 'get' });
  });
  it('reads watch however it is spelled', () => {
    for (const q of ['watch=true', 'watch=1', 'watch=t', 'watch=True', 'WATCH=true', '%77atch=true', 'labelSelector=a&watch=1'])
      expect(read('GET', `/api/v1/namespaces/x/secrets?${q}`).verb, q).toBe('watch');
    expect(read('GET', '/api/v1/namespaces/x/secrets?watch=false').verb).toBe('list');
  });
  it('reads the same request however the path is spelled, and refuses what servers read differently', () => {
    for (const p of [
      '/api/v1/namespaces/payments',
      '/api/v1/namespaces/payments/',
      '/api//v1/namespaces/payments',
      '/api/v1/namespaces/x/../payments',
      '/api/v1/./namespaces/payments',
      '/api/v1/namespaces/%70ayments',
      '/API/v1/NAMESPACES/payments',
    ])
      expect(read('DELETE', p), p).toMatchObject({ verb: 'delete', resource: 'namespaces', name: 'payments' });
    for (const p of [
      '/api/v1/namespaces/payments%2Fsecrets',
      '/api/v1/namespaces;x/payments',
      '/api/v1/namespaces/%252e%252e',
      '/api/v1/namespaces/x/pods/a/log/extra',
    ])
      expect(parseKubeRequest('GET', p), p).toHaveProperty('error');
    expect(parseKubeRequest('TRACE', '/api/v1/pods')).toHaveProperty('error');
  });
});

const prod = parsePolicy({
  name: 'prod-k8s',
  kubernetes: {
    productionNamespaces: ['payments', 'prod-*'],
    rules: [
      { id: 'no-kube-system', action: 'deny', match: { namespaces: ['kube-system'] }, message: 'kube-system is managed by the platform team' },
      { id: 'secrets-write-review', action: 'review', match: { verbs: ['create', 'update', 'patch'], resources: ['secrets'] } },
      { id: 'restart-ok', action: 'allow', match: { verbs: ['patch'], resources: ['deployments.apps'] } },
    ],
  },
});
const judge = (method: string, path: string, readOnly = false) => evaluateKubernetes(method, path, prod, { readOnly });

describe('Kubernetes guardrails', () => {
  it('deny namespace deletes and deletecollection, review cluster-scoped deletes and exec into production', () => {
    expect(judge('DELETE', '/api/v1/namespaces/payments')).toMatchObject({ action: 'deny', ruleId: 'kubernetes-delete-namespace' });
    expect(judge('DELETE', '/api/v1/namespaces/payments/pods')).toMatchObject({ action: 'deny', ruleId: 'kubernetes-deletecollection' });
    expect(judge('DELETE', '/apis/apps/v1/namespaces/dev/deployments')).toMatchObject({ action: 'deny', ruleId: 'kubernetes-deletecollection' });
    expect(judge('DELETE', '/api/v1/nodes/node-1')).toMatchObject({ action: 'review', ruleId: 'kubernetes-delete-cluster-scoped' });
    expect(judge('DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin')).toMatchObject({ action: 'review' });
    expect(judge('DELETE', '/api/v1/namespaces/dev/pods/web-1')).toMatchObject({ action: 'allow' });
    expect(judge('POST', '/api/v1/namespaces/payments/pods/web-1/exec?command=sh')).toMatchObject({ action: 'review', ruleId: 'kubernetes-exec-production' });
    expect(judge('GET', '/api/v1/namespaces/prod-eu/pods/web-1/attach')).toMatchObject({ action: 'review' });
    expect(judge('POST', '/api/v1/namespaces/dev/pods/web-1/exec?command=sh')).toMatchObject({ action: 'allow' });
    expect(judge('GET', '/api/v1/namespaces/dev/services/web:80/proxy/')).toMatchObject({ action: 'deny', ruleId: 'kubernetes-proxy' });
    expect(judge('GET', '/api/v1/namespaces/dev/pods/web-1/log')).toMatchObject({ action: 'allow' });
  });
  it('apply rules first, name the rule, and read namespaces of Namespace objects', () => {
    const d = judge('GET', '/api/v1/namespaces/kube-system/pods');
    expect(d).toMatchObject({ action: 'deny', ruleId: 'no-kube-system', reason: 'kube-system is managed by the platform team' });
    expect(judge('DELETE', '/api/v1/namespaces/kube-system')).toMatchObject({ ruleId: 'no-kube-system' });
    expect(judge('PATCH', '/api/v1/namespaces/dev/secrets/x')).toMatchObject({ action: 'review', ruleId: 'secrets-write-review' });
    expect(judge('PATCH', '/apis/apps/v1/namespaces/dev/deployments/web')).toMatchObject({ action: 'allow', ruleId: 'restart-ok' });
    // a rule on deployments.apps is not about the scale subresource
    expect(judge('PATCH', '/apis/apps/v1/namespaces/dev/deployments/web/scale')).toMatchObject({ action: 'allow' });
    expect(judge('GET', '/api/v1/namespaces/dev/../kube-system/pods')).toMatchObject({ ruleId: 'no-kube-system' });
    expect(judge('GET', '/api/v1/namespaces/dev%2F..%2Fkube-system/pods')).toMatchObject({ action: 'deny', ruleId: 'kubernetes-unreadable-path' });
  });
  it('let a read-only connection only read', () => {
    expect(judge('GET', '/api/v1/namespaces/dev/pods', true)).toMatchObject({ action: 'allow' });
    expect(judge('GET', '/api/v1/namespaces/dev/pods/w/log', true)).toMatchObject({ action: 'allow' });
    expect(judge('GET', '/api/v1/namespaces/dev/pods/w/exec?command=ls', true)).toMatchObject({ action: 'deny', ruleId: 'read-only' });
    expect(judge('POST', '/api/v1/namespaces/dev/configmaps', true)).toMatchObject({ action: 'deny', ruleId: 'read-only' });
  });
  it('let built-ins be turned off or changed, and refuse rules that match nothing', () => {
    const p = parsePolicy({
      name: 'p',
      kubernetes: { builtins: { 'kubernetes-proxy': { enabled: false }, 'kubernetes-deletecollection': { action: 'review' } } },
    });
    expect(evaluateKubernetes('GET', '/api/v1/namespaces/x/pods/a/proxy/', p)).toMatchObject({ action: 'allow' });
    expect(evaluateKubernetes('DELETE', '/api/v1/namespaces/x/pods', p)).toMatchObject({ action: 'review' });
    expect(evaluateKubernetes('DELETE', '/api/v1/namespaces/x', defaultPolicy())).toMatchObject({ action: 'deny' });
    expect(() => parsePolicy({ name: 'p', kubernetes: { rules: [{ id: 'x', action: 'deny', match: {} }] } })).toThrow(/match on something/);
    expect(() => parsePolicy({ name: 'p', kubernetes: { rules: [{ id: 'x', action: 'deny', match: { verbs: ['nuke'] } }] } })).toThrow(/verbs are/);
  });
});

describe('kubectl command lines read as requests', () => {
  const one = (line: string) => {
    const r = kubectlRequests(line.split(' ').slice(1));
    if (typeof r === 'string') throw new Error(r);
    return r;
  };
  it('reads common verbs, short names, namespaces and flags', () => {
    expect(one('kubectl delete ns payments')).toEqual([{ method: 'DELETE', path: '/api/v1/namespaces/payments' }]);
    expect(one('kubectl get pods -n payments')).toEqual([{ method: 'GET', path: '/api/v1/namespaces/payments/pods' }]);
    expect(one('kubectl get secret db -o yaml -n payments')).toEqual([{ method: 'GET', path: '/api/v1/namespaces/payments/secrets/db' }]);
    expect(one('kubectl get deploy -A -w')).toEqual([{ method: 'GET', path: '/apis/apps/v1/deployments?watch=true' }]);
    expect(one('kubectl describe deployment/web --namespace=prod')).toEqual([{ method: 'GET', path: '/apis/apps/v1/namespaces/prod/deployments/web' }]);
    expect(one('kubectl logs -f web-1 -n prod')).toEqual([{ method: 'GET', path: '/api/v1/namespaces/prod/pods/web-1/log?follow=true' }]);
    expect(one('kubectl exec -it web-1 -n payments -- sh -c ls')).toEqual([
      { method: 'POST', path: '/api/v1/namespaces/payments/pods/web-1/exec?command=sh&command=-c&command=ls' },
    ]);
    expect(one('kubectl scale deploy/web --replicas=0')).toEqual([{ method: 'PATCH', path: '/apis/apps/v1/namespaces/default/deployments/web/scale' }]);
    expect(one('kubectl rollout restart deployment/web -n prod')).toEqual([{ method: 'PATCH', path: '/apis/apps/v1/namespaces/prod/deployments/web' }]);
    expect(one('kubectl delete pods --all -n dev')).toEqual([{ method: 'DELETE', path: '/api/v1/namespaces/dev/pods' }]);
    expect(one('kubectl delete node node-1')).toEqual([{ method: 'DELETE', path: '/api/v1/nodes/node-1' }]);
    expect(one('kubectl create namespace x')).toEqual([{ method: 'POST', path: '/api/v1/namespaces' }]);
    expect(one('kubectl edit cm app -n dev')).toEqual([{ method: 'PATCH', path: '/api/v1/namespaces/dev/configmaps/app' }]);
  });
  it('reads apply and create from the objects of their files, and says what it cannot read', () => {
    const objs = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'prod' }];
    expect(kubectlRequests(['apply', '-f', 'web.yaml'], objs)).toEqual([{ method: 'PATCH', path: '/apis/apps/v1/namespaces/prod/deployments/web' }]);
    expect(kubectlRequests(['create', '-f', 'web.yaml'], objs)).toEqual([{ method: 'POST', path: '/apis/apps/v1/namespaces/prod/deployments' }]);
    expect(kubectlRequests(['apply', '-f', 'x.yaml'])).toMatch(/no objects/);
    expect(kubectlRequests(['get', 'widgets'])).toMatch(/resource type "widgets"/);
    expect(kubectlRequests(['cordon', 'node-1'])).toMatch(/does not read kubectl cordon/);
    expect(kubectlRequests([])).toMatch(/give a kubectl command/);
  });
});
