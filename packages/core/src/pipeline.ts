import type * as PipelineModule from '@hoop/pipeline';

export type Pipeline = typeof PipelineModule;

let loaded: Promise<Pipeline> | null = null;
let guards: Promise<Pipeline> | null = null;

/**
 * `@hoop/pipeline`, loaded by Node at run time instead of being bundled, like `@hoop/db` (see hoop-db.ts): its SQL
 * parser (libpg-query) and shell parser read their WebAssembly and compiled grammar from beside themselves. Types come
 * from the static `import type`; values only through these functions.
 */
export function loadPipeline(): Promise<Pipeline> {
  loaded ??= import(/* turbopackIgnore: true */ /* webpackIgnore: true */ '@hoop/pipeline') as Promise<Pipeline>;
  return loaded;
}

/** The pipeline with both parsers ready: `evaluate` and `evaluateShell` need `initGuard` and `initShellGuard` first. */
export function loadGuards(): Promise<Pipeline> {
  guards ??= loadPipeline()
    .then(async (p) => {
      await Promise.all([p.initGuard(), p.initShellGuard()]);
      return p;
    })
    .catch((err: unknown) => {
      guards = null;
      throw err;
    });
  return guards;
}
