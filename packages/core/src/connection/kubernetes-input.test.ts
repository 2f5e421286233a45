import { describe, expect, it } from 'vitest';
import { ConnectionInput } from './connection-input';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const base = { type: 'kubernetes', name: 'prod-k8s', secret: { source: 'stored', value: 'eyJhbGciOi' } } as const;
const issues = (config: Record<string, unknown>) => {
  const r = ConnectionInput.safeParse({ ...base, config });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('kubernetes connection settings', () => {
  it('takes an https API server and the cluster CA', () => {
    const r = ConnectionInput.parse({ ...base, config: { server: ' https://ABC.gr7.eu-west-1.eks.amazonaws.com ', caCert: CA } });
    expect(r.config).toEqual({ server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', caCert: CA });
    expect(ConnectionInput.parse({ ...base, config: { server: 'https://10.0.0.1:6443', caCert: '  ' } }).config).toEqual({ server: 'https://10.0.0.1:6443' });
  });
  it('says what is wrong at the field', () => {
    expect(issues({})).toEqual([expect.stringMatching(/^config.server: Enter the API server URL/)]);
    expect(issues({ server: 'http://10.0.0.1:8080' })).toEqual([expect.stringMatching(/^config.server: The API server URL is an https address/)]);
    expect(issues({ server: 'https://x?y=1' })).toEqual([expect.stringMatching(/^config.server:/)]);
    expect(issues({ server: 'https://x', caCert: 'not pem' })).toEqual([expect.stringMatching(/^config.caCert: Paste the cluster's CA/)]);
  });
});
