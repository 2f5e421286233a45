/** `npm run reset-password [EMAIL]`: a new password for a local account (default: the demo admin), printed once. */
import { randomBytes } from 'node:crypto';
import { createDb, hashPassword } from '@hoop/db';
import { DEMO } from '@hoop/devstack/demo';

const email = process.argv[2] ?? DEMO.adminEmail;
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set; with the embedded Postgres use `npm run reset-password` (it sets it)\n');
  process.exit(2);
}
const db = createDb(url);
const password = randomBytes(12).toString('base64url');
const r = await db.user.updateMany({ where: { email }, data: { passwordHash: await hashPassword(password) } });
await db.$disconnect();
if (r.count === 0) {
  process.stderr.write(`no account with e-mail ${email}\n`);
  process.exit(2);
}
process.stdout.write(`new password for ${email}: ${password}\n`);
