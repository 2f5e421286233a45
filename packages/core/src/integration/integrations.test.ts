import { randomBytes } from 'node:crypto';
import { createDb, type Db, decryptSecret, encryptSecret, parseEncryptionKey } from '@hoop/db';
import { createTestDatabase, seedOrg, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhook } from './create-webhook';
import { deleteWebhook } from './delete-webhook';
import { getSlackSettings } from './get-slack-settings';
import { listWebhooks } from './list-webhooks';
import { removeSlackSettings } from './remove-slack-settings';
import { saveSlackSettings } from './save-slack-settings';
import { setWebhookEnabled } from './set-webhook-enabled';
import { refusal } from '../refusal';

let database: TestDatabase;
let db: Db;
const orgs = { acme: '', other: '', bare: '' };
/** the gateway's key, as the web app is given it (hex) */
const KEY = randomBytes(32).toString('hex');
const key = parseEncryptionKey(KEY);

const TOKEN = 'xoxb-1111-2222-abcdefABCDEF';
const SIGNING = '8f742231b10e8888abcd99e0aa11bb22';

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_integrations');
  db = createDb(database.url, { max: 2 });
  orgs.acme = (await seedOrg(db, { name: 'Acme' })).id;
  orgs.other = (await seedOrg(db, { name: 'Other' })).id;
  orgs.bare = (await seedOrg(db, { name: 'Bare' })).id;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('Slack settings', () => {
  it('start empty, and need both secrets the first time', async () => {
    expect(await getSlackSettings(db, orgs.acme, KEY)).toEqual({
      configured: false,
      botTokenSet: false,
      signingSecretSet: false,
      defaultChannel: null,
      notifyBlocked: true,
      enabled: true,
      updatedAt: null,
      key: 'ready',
    });
    expect(await refusal(saveSlackSettings(db, orgs.acme, { botToken: TOKEN, defaultChannel: '#db-reviews' }, KEY))).toBe(
      'invalid: Slack is not set up yet: enter both the bot token and the signing secret of your Slack app.',
    );
  });

  it('refuses what is not a bot token or a signing secret, saying where to find the right one', async () => {
    expect(
      await refusal(
        saveSlackSettings(db, orgs.acme, { botToken: 'https://hooks.slack.com/services/T0/B0/x', signingSecret: SIGNING, defaultChannel: '#db' }, KEY),
      ),
    ).toBe('invalid: The bot token must be a Slack bot token (xoxb-…): copy the Bot User OAuth Token from OAuth & Permissions in your Slack app.');
    expect(await refusal(saveSlackSettings(db, orgs.acme, { botToken: TOKEN, signingSecret: 'not-hex-at-all!', defaultChannel: '#db' }, KEY))).toBe(
      'invalid: The signing secret must be the Signing Secret from Basic Information in your Slack app: 16 to 128 hex characters.',
    );
    expect(await refusal(saveSlackSettings(db, orgs.acme, { botToken: TOKEN, signingSecret: SIGNING, defaultChannel: '  ' }, KEY))).toBe(
      'invalid: Name the default channel: #name, or a channel id such as C0123456789.',
    );
    expect(await db.slackSettings.count({ where: { orgId: orgs.acme } })).toBe(0);
  });

  it('stores the secrets sealed with the gateway key and never returns them', async () => {
    const saved = await saveSlackSettings(
      db,
      orgs.acme,
      { botToken: ` ${TOKEN} `, signingSecret: SIGNING, defaultChannel: '#db-reviews', notifyBlocked: false },
      KEY,
    );
    expect(saved).toMatchObject({
      configured: true,
      botTokenSet: true,
      signingSecretSet: true,
      defaultChannel: '#db-reviews',
      notifyBlocked: false,
      enabled: true,
      key: 'ready',
    });
    const row = await db.slackSettings.findUniqueOrThrow({ where: { orgId: orgs.acme } });
    expect(row.botTokenEncrypted).not.toContain('xoxb');
    expect(decryptSecret(row.botTokenEncrypted, key)).toBe(TOKEN);
    expect(decryptSecret(row.signingSecretEncrypted, key)).toBe(SIGNING);
    const shown = JSON.stringify(await getSlackSettings(db, orgs.acme, KEY));
    for (const secret of [TOKEN, SIGNING, row.botTokenEncrypted, row.signingSecretEncrypted]) expect(shown).not.toContain(secret);
  });

  it('keeps a stored secret that is left out, and replaces one that is given', async () => {
    const before = await db.slackSettings.findUniqueOrThrow({ where: { orgId: orgs.acme } });
    await saveSlackSettings(db, orgs.acme, { defaultChannel: 'C0123456789', notifyBlocked: true, enabled: false }, KEY);
    const kept = await db.slackSettings.findUniqueOrThrow({ where: { orgId: orgs.acme } });
    expect(kept).toMatchObject({
      botTokenEncrypted: before.botTokenEncrypted,
      signingSecretEncrypted: before.signingSecretEncrypted,
      defaultChannel: 'C0123456789',
      enabled: false,
    });
    await saveSlackSettings(db, orgs.acme, { botToken: 'xoxb-9999-new', defaultChannel: 'C0123456789' }, KEY);
    const replaced = await db.slackSettings.findUniqueOrThrow({ where: { orgId: orgs.acme } });
    expect(decryptSecret(replaced.botTokenEncrypted, key)).toBe('xoxb-9999-new');
    expect(replaced.signingSecretEncrypted).toBe(before.signingSecretEncrypted);
  });

  it('says so when the web app has no key, or not the key the secrets were sealed with', async () => {
    const missing = 'unavailable: Secrets cannot be saved: the web app has no HOOP_ENCRYPTION_KEY. Start it with the same key as the gateway, then try again.';
    expect(await refusal(saveSlackSettings(db, orgs.other, { botToken: TOKEN, signingSecret: SIGNING, defaultChannel: '#x' }, null))).toBe(missing);
    expect(await refusal(saveSlackSettings(db, orgs.other, { botToken: TOKEN, signingSecret: SIGNING, defaultChannel: '#x' }, 'z'.repeat(40)))).toMatch(
      /^unavailable: .*not a valid key/,
    );
    // changing only the channel needs no key
    expect((await saveSlackSettings(db, orgs.acme, { defaultChannel: '#ops' }, null)).defaultChannel).toBe('#ops');
    expect((await getSlackSettings(db, orgs.acme, null)).key).toBe('missing');
    expect((await getSlackSettings(db, orgs.acme, randomBytes(32).toString('hex'))).key).toBe('mismatch');
    expect((await getSlackSettings(db, orgs.acme, key.toString('base64'))).key).toBe('ready');
  });

  it('belong to one org, and are removed with their secrets', async () => {
    expect((await getSlackSettings(db, orgs.other, KEY)).configured).toBe(false);
    await saveSlackSettings(db, orgs.other, { botToken: 'xoxb-other', signingSecret: SIGNING, defaultChannel: '#other' }, KEY);
    expect((await removeSlackSettings(db, orgs.acme, KEY)).configured).toBe(false);
    expect(await db.slackSettings.count({ where: { orgId: orgs.acme } })).toBe(0);
    expect(await getSlackSettings(db, orgs.other, KEY)).toMatchObject({ configured: true, defaultChannel: '#other' });
  });
});

describe('webhooks', () => {
  it('generates a secret when none is given and returns it once, sealed in the database', async () => {
    const out = await createWebhook(db, orgs.acme, { name: ' siem ', url: 'https://siem.example.com/hoop', events: ['statement.blocked'] }, KEY);
    expect(out.generatedSecret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(out.webhook).toMatchObject({
      name: 'siem',
      url: 'https://siem.example.com/hoop',
      events: ['statement.blocked'],
      enabled: true,
      signed: true,
      lastDeliveryAt: null,
      lastStatus: null,
    });
    const row = await db.webhook.findUniqueOrThrow({ where: { id: out.webhook.id } });
    expect(row.secretEncrypted).not.toContain(out.generatedSecret);
    expect(decryptSecret(row.secretEncrypted!, key)).toBe(out.generatedSecret);
    const listed = await listWebhooks(db, orgs.acme, KEY);
    expect(listed.items.map((w) => w.name)).toEqual(['siem']);
    expect(listed.key).toBe('ready');
    expect(JSON.stringify(listed)).not.toContain(out.generatedSecret!);
    expect(JSON.stringify(listed)).not.toContain(row.secretEncrypted!);
  });

  it('uses the secret an admin gives, without showing it back', async () => {
    const out = await createWebhook(
      db,
      orgs.acme,
      {
        name: 'pager',
        url: 'http://127.0.0.1:9999/hook',
        events: ['statement.review', 'statement.blocked', 'statement.review'],
        secret: 'my-own-shared-secret',
      },
      KEY,
    );
    expect(out.generatedSecret).toBeNull();
    expect(out.webhook.events).toEqual(['statement.review', 'statement.blocked']);
    const row = await db.webhook.findUniqueOrThrow({ where: { id: out.webhook.id } });
    expect(decryptSecret(row.secretEncrypted!, key)).toBe('my-own-shared-secret');
  });

  it('refuses URLs that are not http(s), a taken name, no events and a missing key', async () => {
    const base = { name: 'x', url: 'https://ok.example.com', events: ['statement.blocked' as const] };
    const rule = 'invalid: The URL must be a full http:// or https:// address, such as https://siem.example.com/hoop.';
    expect(await refusal(createWebhook(db, orgs.acme, { ...base, url: 'ftp://files.example.com/in' }, KEY))).toBe(rule);
    expect(await refusal(createWebhook(db, orgs.acme, { ...base, url: 'javascript:alert(1)' }, KEY))).toBe(rule);
    expect(await refusal(createWebhook(db, orgs.acme, { ...base, url: 'siem.example.com' }, KEY))).toBe(rule);
    expect(await refusal(createWebhook(db, orgs.acme, { ...base, url: 'https://user:pw@siem.example.com' }, KEY))).toMatch(
      /^invalid: The URL must not contain a user name or password/,
    );
    expect(await refusal(createWebhook(db, orgs.acme, { ...base, events: [] }, KEY))).toBe('invalid: Choose at least one event to send.');
    expect(await refusal(createWebhook(db, orgs.acme, { ...base, secret: 'short' }, KEY))).toMatch(/^invalid: The secret must be at least 16 characters/);
    expect(await refusal(createWebhook(db, orgs.acme, { ...base, name: 'siem' }, KEY))).toBe(
      'conflict: A webhook named “siem” already exists: choose another name, or delete that one first.',
    );
    expect(await refusal(createWebhook(db, orgs.acme, base, null))).toMatch(/^unavailable: Secrets cannot be saved: the web app has no HOOP_ENCRYPTION_KEY/);
    expect((await listWebhooks(db, orgs.acme, KEY)).items.map((w) => w.name)).toEqual(['pager', 'siem']);
  });

  it('is paused, resumed and deleted only by its own org', async () => {
    const { webhook } = await createWebhook(db, orgs.acme, { name: 'ops', url: 'https://ops.example.com', events: ['statement.review'] }, KEY);
    expect((await setWebhookEnabled(db, orgs.acme, { id: webhook.id, enabled: false })).enabled).toBe(false);
    expect((await setWebhookEnabled(db, orgs.acme, { id: webhook.id, enabled: true })).enabled).toBe(true);
    expect(await refusal(setWebhookEnabled(db, orgs.other, { id: webhook.id, enabled: false }))).toMatch(/^not_found: This webhook does not exist/);
    expect(await refusal(deleteWebhook(db, orgs.other, { id: webhook.id }))).toMatch(/^not_found: /);
    expect(await refusal(deleteWebhook(db, orgs.acme, { id: 'not-a-uuid' }))).toBe('invalid: That is not a webhook id.');
    expect((await listWebhooks(db, orgs.other, KEY)).items).toEqual([]);
    expect(await deleteWebhook(db, orgs.acme, { id: webhook.id })).toEqual({ id: webhook.id, name: 'ops' });
    expect(await refusal(deleteWebhook(db, orgs.acme, { id: webhook.id }))).toMatch(/^not_found: /);
  });

  it('tells when the key does not open the stored secrets', async () => {
    await db.webhook.create({
      data: { orgId: orgs.bare, name: 'old', url: 'https://old.example.com', secretEncrypted: encryptSecret('sealed-by-another-key', randomBytes(32)) },
    });
    expect((await listWebhooks(db, orgs.bare, KEY)).key).toBe('mismatch');
    expect((await listWebhooks(db, orgs.other, KEY)).key).toBe('ready');
    expect((await listWebhooks(db, orgs.other, null)).key).toBe('missing');
  });
});
