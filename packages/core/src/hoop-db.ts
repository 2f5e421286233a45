import type * as HoopDbModule from '@hoop/db';

export type HoopDb = typeof HoopDbModule;

let loaded: Promise<HoopDb> | null = null;

/**
 * `@hoop/db`, loaded by Node at run time instead of being bundled into the web app (which compiles this package with
 * its own code): its generated Prisma client reads its query compiler (a .wasm file) from beside itself and the
 * package resolves its migrations from its own folder, and neither survives bundling. Node loads the package's
 * TypeScript source through the tsx loader, which the web server is started with (`NODE_OPTIONS=--import=tsx`, see
 * apps/web/package.json and scripts/web-service.ts) and the gateway runs under. Types come from the static
 * `import type`; values only through this function.
 */
export function loadHoopDb(): Promise<HoopDb> {
  loaded ??= import(/* turbopackIgnore: true */ /* webpackIgnore: true */ '@hoop/db') as Promise<HoopDb>;
  return loaded;
}
