import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTarget, keptAliveAgents } from '../http/upstream';
import { impersonating, jsonAccept, kubeForwardedHeaders } from './headers';

const config = { baseUrl: 'http://127.0.0.1:1', authType: 'bearer' as const, connectTimeoutMs: 5000 };

describe('what the API server is sent of a client’s headers', () => {
  it('drops the client’s credentials and every Impersonate-* header, whatever its case, and adds the token', () => {
    const out = kubeForwardedHeaders(
      {
        authorization: 'Bearer hoop-local-x',
        'impersonate-user': 'system:admin',
        'impersonate-group': 'system:masters',
        'impersonate-uid': '0',
        'impersonate-extra-scopes': 'all',
        'Impersonate-Extra-Reason': 'x',
        'user-agent': 'kubectl/v1.33',
        accept: 'application/json',
      },
      config,
      'sa-token',
    );
    expect(out).toEqual({ authorization: 'Bearer sa-token', 'user-agent': 'kubectl/v1.33', accept: 'application/json', 'accept-encoding': 'identity' });
  });
  it('asks for JSON only, keeping the parameters of the JSON types asked for', () => {
    expect(jsonAccept(undefined)).toBe('application/json');
    expect(jsonAccept('application/vnd.kubernetes.protobuf')).toBe('application/json');
    expect(jsonAccept('application/vnd.kubernetes.protobuf,application/json')).toBe('application/json');
    expect(jsonAccept('application/yaml, */*')).toBe('application/json');
    expect(jsonAccept('application/cbor;q=1, application/json;q=0.5')).toBe('application/json;q=0.5');
    expect(jsonAccept('application/json;as=Table;v=v1;g=meta.k8s.io,application/json')).toBe('application/json;as=Table;v=v1;g=meta.k8s.io, application/json');
    expect(jsonAccept('APPLICATION/JSON')).toBe('APPLICATION/JSON');
  });
});

describe('requests made as the hoop user', () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const raw: string[][] = [];
  let server: http.Server;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      raw.push(req.rawHeaders);
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends Impersonate-User and one Impersonate-Group per group, replacing any already there', async () => {
    const port = (server.address() as AddressInfo).port;
    const target = impersonating(httpTarget({ ...config, baseUrl: `http://127.0.0.1:${port}` }, keptAliveAgents()), {
      email: 'ann@example.com',
      groups: ['payments-oncall', 'hoop:developer'],
    });
    await new Promise<void>((resolve, reject) => {
      const call = target.call(
        'GET',
        '/api/v1/pods',
        { 'Impersonate-User': 'system:admin', 'impersonate-group': 'system:masters' },
        {
          response: (r) => {
            r.body.resume();
            r.body.on('end', resolve);
          },
          failed: (m) => reject(new Error(m)),
        },
      );
      call.end();
    });
    expect(seen[0]!['impersonate-user']).toBe('ann@example.com');
    const groups = raw[0]!.filter((_, i) => i % 2 === 0 && raw[0]![i]!.toLowerCase() === 'impersonate-group').length;
    expect(groups).toBe(2);
    expect(raw[0]!.filter((_v, i) => i % 2 === 1 && raw[0]![i - 1]!.toLowerCase() === 'impersonate-group')).toEqual(['payments-oncall', 'hoop:developer']);
    expect(JSON.stringify(raw[0])).not.toContain('system:');
  });
});
