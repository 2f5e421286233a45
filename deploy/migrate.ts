/**
 * The step a deployment runs before its gateways start (the compose file's `migrate` service, the Helm chart's
 * pre-install/pre-upgrade Job), in the gateway image:
 *
 *   node --import tsx deploy/migrate.ts
 *
 * Applies hoop's migrations to DATABASE_URL, as the local stack does (several runs at once wait for each other: the
 * migrations take a lock). On a database with no account yet, and HOOP_FIRST_ADMIN_EMAIL set, it then makes the first
 * organisation (HOOP_FIRST_ORG, default `main`) and an admin with that e-mail, and prints the admin's password once.
 */
import { randomBytes } from 'node:crypto';
import { createDb, hashPassword, migrate } from '@hoop/db';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set: the postgres:// URL of the hoop database\n');
  process.exit(2);
}
const m = await migrate(url);
process.stdout.write(m.applied.length ? `applied ${m.applied.join(', ')}\n` : `schema up to date (${m.total} migrations)\n`);

const email = process.env.HOOP_FIRST_ADMIN_EMAIL;
if (email) {
  const db = createDb(url);
  try {
    if ((await db.user.count()) > 0) process.stdout.write('accounts exist: no first admin made\n');
    else {
      const slug = process.env.HOOP_FIRST_ORG || 'main';
      const org = await db.org.create({ data: { name: slug, slug } });
      const password = randomBytes(12).toString('base64url');
      await db.user.create({
        data: { orgId: org.id, email, name: email.split('@')[0] ?? email, role: 'admin', isService: false, passwordHash: await hashPassword(password) },
      });
      process.stdout.write(`first admin ${email} in organisation ${slug}, password (shown once): ${password}\n`);
    }
  } finally {
    await db.$disconnect();
  }
}
