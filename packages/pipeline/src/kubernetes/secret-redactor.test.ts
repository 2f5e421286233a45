import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDACTED, SecretRedactor } from './secret-redactor';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'testdata', name));
const B64 = Buffer.from(REDACTED).toString('base64');
const SECRETS = ['aHVudGVyMg==', 'YXBw', 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t', 'c2VjcmV0LXRva2Vu', 'bmV3LXBhc3N3b3Jk', 'plain-text-secret', 'hunter2'];

/** the body redacted in one piece, and split at every byte offset (the answer arrives in any pieces) */
function redact(body: Buffer, secretsPath: boolean): string {
  const whole = new SecretRedactor(secretsPath);
  const once = Buffer.concat([whole.push(body), whole.end()]).toString('utf8');
  for (let cut = 1; cut < body.length; cut += Math.max(1, Math.floor(body.length / 97))) {
    const r = new SecretRedactor(secretsPath);
    const split = Buffer.concat([r.push(body.subarray(0, cut)), r.push(body.subarray(cut)), r.end()]).toString('utf8');
    expect(split, `split at ${cut}`).toBe(once);
  }
  // one byte at a time
  const r = new SecretRedactor(secretsPath);
  const bytes: Buffer[] = [];
  for (let i = 0; i < body.length; i++) bytes.push(r.push(body.subarray(i, i + 1)));
  bytes.push(r.end());
  expect(Buffer.concat(bytes).toString('utf8')).toBe(once);
  return once;
}

const noSecrets = (text: string) => {
  for (const s of SECRETS) expect(text, s).not.toContain(s);
};

describe('Secret data redacted as the answer streams', () => {
  it('redacts a Secret, its kubectl apply copy, and keeps the rest as the server wrote it', () => {
    for (const secretsPath of [true, false]) {
      const out = redact(fixture('secret.json'), secretsPath);
      noSecrets(out);
      const doc = JSON.parse(out);
      expect(doc.data).toEqual({ password: B64, username: B64 });
      expect(doc.metadata.name).toBe('db-creds');
      expect(doc.metadata.managedFields[0].fieldsV1['f:data']).toEqual({ '.': {}, 'f:password': {}, 'f:username': {} });
      const applied = JSON.parse(doc.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
      expect(applied).toMatchObject({ kind: 'Secret', data: { password: B64, username: B64 }, metadata: { name: 'db-creds' } });
      expect(Buffer.from(doc.data.password, 'base64').toString()).toBe(REDACTED);
    }
  });
  it('redacts every item of a SecretList, whose items carry no kind', () => {
    const out = redact(fixture('secret-list.json'), false);
    noSecrets(out);
    expect(JSON.parse(out).items.map((i: { data: unknown }) => i.data)).toEqual([
      { password: B64, username: B64 },
      { 'tls.crt': B64, 'tls.key': B64 },
    ]);
  });
  it('redacts Table rows: objects of kind Secret, and any object when the path is about secrets', () => {
    const asTable = redact(fixture('secret-table.json'), true);
    noSecrets(asTable);
    const t = JSON.parse(asTable);
    expect(t.rows[0].cells).toEqual(['db-creds', 'Opaque', 2, '7d']);
    expect(t.columnDefinitions[2].name).toBe('Data');
    expect(t.rows[1].object.data).toEqual({ token: B64 });
    // a content-only reading still catches the row holding a whole Secret
    expect(redact(fixture('secret-table.json'), false)).not.toContain('c2VjcmV0LXRva2Vu');
  });
  it('redacts each event of a watch as it comes, one JSON document per line', () => {
    const body = fixture('secret-watch.jsonl');
    const out = redact(body, true);
    noSecrets(out);
    const lines = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['ADDED', 'MODIFIED', 'BOOKMARK']);
    expect(lines[1].object.stringData).toEqual({ extra: REDACTED });
    expect(redact(body, false)).toBe(out);
    // the first event goes on before the second arrives
    const r = new SecretRedactor(true);
    const first = body.subarray(0, body.indexOf(0x0a) + 1);
    expect(r.push(first).toString()).toContain('"ADDED"');
  });
  it('leaves ConfigMap data alone unless the path is about secrets, and reads a generic List item by item', () => {
    expect(JSON.parse(redact(fixture('configmap.json'), false)).data).toEqual({ LOG_LEVEL: 'debug', FEATURE_X: 'on' });
    const list = JSON.parse(redact(fixture('generic-list.json'), false));
    expect(list.items[0].data).toEqual({ LOG_LEVEL: 'debug' });
    expect(list.items[1].data).toEqual({ password: B64 });
  });
  it('drops a value being redacted as it passes: a 4 MiB value is never held', () => {
    const big = 'A'.repeat(4 * 1024 * 1024);
    const r = new SecretRedactor(true);
    const parts = [r.push(Buffer.from('{"kind":"Secret","data":{"blob":"')), r.push(Buffer.from(big)), r.push(Buffer.from('"}}')), r.end()];
    expect(parts[1]!.length).toBe(0);
    expect(JSON.parse(Buffer.concat(parts).toString()).data.blob).toBe(B64);
  });
  it('redacts data that is not a map, escapes inside values, and odd spacing', () => {
    const cases = [
      '{"kind":"Secret","data":"aHVudGVyMg=="}',
      '{ "kind" : "Secret" , "data" : { "p\\"w" : "aHVudGVyMg==" , "q" : "hunter2\\\\" } }',
      '{"kind":"Secret","data":["aHVudGVyMg=="]}',
      '{"kind":"Secret","data":{"a":{"nested":"hunter2"}}}',
    ];
    for (const c of cases) {
      const out = redact(Buffer.from(c), false);
      noSecrets(out);
      expect(() => JSON.parse(out)).not.toThrow();
    }
  });
  it('redacts the token of a TokenRequest (kubectl create token), which would reach the cluster without hoop', () => {
    const body = Buffer.from(
      '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"name":"hoop-agent"},' +
        '"spec":{"audiences":["https://kubernetes.default.svc"],"expirationSeconds":3600},' +
        '"status":{"token":"eyJhbGciOiJSUzI1NiJ9.hunter2.sig","expirationTimestamp":"2026-12-07T08:00:00Z"}}',
    );
    const out = redact(body, false);
    noSecrets(out);
    expect(JSON.parse(out).status).toEqual({ token: REDACTED, expirationTimestamp: '2026-12-07T08:00:00Z' });
  });
  it('fails closed on an answer that is not JSON or ends inside a value', () => {
    for (const bad of ['{"kind":"Secret","data":{"a":"x"}', 'not json', '{"a":1}}', '{"data" "x"}']) {
      const r = new SecretRedactor(true);
      expect(() => Buffer.concat([r.push(Buffer.from(bad)), r.end()]), bad).toThrow();
    }
  });
});
