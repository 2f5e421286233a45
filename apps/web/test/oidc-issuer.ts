/**
 * A real OpenID Connect provider for tests (the `oidc-provider` package, certified OpenID Provider software), with
 * its own login and consent pages: any password is accepted for the accounts below, whose `groups` claim is what
 * the identity tests map to hoop groups.
 */
/// <reference path="./oidc-provider.d.ts" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  email: string;
  name: string;
  groups: string[];
}

export interface TestIssuer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startTestIssuer(o: { redirectUri: string; accounts: Record<string, TestAccount> }): Promise<TestIssuer> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'hoop-web';
  const clientSecret = `secret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: clientId, client_secret: clientSecret, redirect_uris: [o.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    cookies: { keys: [clientSecret] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const account = o.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: account.email, email_verified: true, name: account.name, groups: account.groups }) };
    },
  });
  server.on('request', provider.callback());
  return { issuer, clientId, clientSecret, close: () => new Promise<void>((r) => server.close(() => r())) };
}
