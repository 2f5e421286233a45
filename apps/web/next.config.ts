import type { NextConfig } from 'next';

const config: NextConfig = {
  // workspace packages export TypeScript source (@hoop/db is the exception: see packages/core/src/hoop-db.ts)
  transpilePackages: ['@hoop/core', '@hoop/protocol'],
  serverExternalPackages: ['pg', '@prisma/adapter-pg', '@prisma/client'],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
