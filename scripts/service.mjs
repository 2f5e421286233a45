// The agent and the gateway run as JavaScript bundled from their TypeScript sources (esbuild), with memory settings for
// a process that streams results. Running TypeScript directly (`node --import tsx`) keeps a module loader alive in a
// thread of its own, about 35 MB per process. The tests run the CLI bundled too: tsx compiles its sources on every
// run, about 1 s of CPU per command.
//
//   node scripts/service.mjs run agent|gateway|cli build, then run it (what `pnpm --filter @hoop/agent start` does)
//   node scripts/service.mjs build agent|gateway|cli DIR
//                                                  build into DIR and print {file, nodeArgs, env} as JSON (@hoop/devstack
//                                                  runs the file itself, so the process it watches is the service)
//   node scripts/service.mjs args agent|gateway|cli print {nodeArgs, env} as JSON (deploy/'s Dockerfiles run the same)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = { agent: 'apps/agent/src/main.ts', gateway: 'apps/gateway/src/main.ts', cli: 'apps/cli/src/main.ts' };
/** scripts a service starts threads or processes with, bundled beside its main.mjs (apps/agent/src/mysql/guard-thread.ts finds it there) */
const THREADS = { agent: { 'mysql-guard': 'apps/agent/src/mysql/guard-worker.ts' } };

/**
 * Source maps, so stack traces name the TypeScript. A young generation of 4 MB per semi-space: under a steady stream
 * it would grow to 16 MB, and a relayed result's garbage dies young either way. The agent's and the CLI's old
 * generation's first limit at 64 MB: the buffers a result passes through count toward that limit, and with the default
 * (a few MB above a small heap) the agent ran a full collection every 50 ms while streaming.
 * The gateway's old generation grows to twice what its last full collection kept, and no further before the next: it
 * keeps 20–25 MB alive, and what it allocates per statement (audit frames waiting for their batch INSERT) lives through
 * young collections and dies in the old generation. With a first limit of 64 MB it never collected that during a
 * bench:mysql run (27–31 MB dead at its peaks), and after a full collection V8 lets the old generation grow to up to
 * four times what survived. A factor, not a bound: the limit follows the live heap up under load, so the gateway never runs
 * out of heap for it. Twice, not 1.5 times: the buffers relayed for a large result count toward the limit, and with
 * 1.5 a 1,000,000-row SELECT made 13 times as many full collections (bench/README.md, bench:mysql).
 */
const BASE_ARGS = ['--enable-source-maps', '--max-semi-space-size=4'];
const NODE_ARGS = {
  agent: [...BASE_ARGS, '--initial-old-space-size=64'],
  gateway: [...BASE_ARGS, '--heap-growing-percent=100'],
  cli: [...BASE_ARGS, '--initial-old-space-size=64'],
};
/**
 * glibc: blocks of 128 KB or more are mapped one by one and given back to the system when freed. That is glibc's own
 * starting point, kept fixed: left to itself it raises the threshold after each large block freed (up to 32 MB), and
 * the large blocks of start-up (wasm, Prisma) then fragment the heap, which holds on to the memory (gateway: 20 MB
 * more). Lower values saved a little more memory for a lot more page faults. A value already set is kept.
 */
const ENV = { MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072' };

/**
 * The workspace's own sources are bundled; every package from node_modules, and Prisma's generated client (it loads a
 * wasm file next to itself), stays an import of its installed file by absolute path, since the bundle lives elsewhere.
 * Dynamic imports (the SSH service, MCP) become chunks of their own, still loaded only when first used.
 */
async function bundle(app, outdir) {
  const { build, stop } = await import('esbuild');
  const installed = {
    name: 'installed-packages',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData?.resolving) return undefined;
        if (args.path.startsWith('node:')) return { external: true };
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { resolving: true } });
        if (r.errors.length > 0) return { errors: r.errors };
        if (r.external || r.path.includes(`${path.sep}node_modules${path.sep}`) || r.path.includes(`${path.sep}generated${path.sep}`))
          return { path: r.path, external: true };
        return { path: r.path };
      });
      // a source that finds files next to itself (`import.meta.dirname`) finds them from the bundle too
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.dirname')) return undefined;
        return { contents: text.replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path))), loader: 'ts' };
      });
    },
  };
  await build({
    entryPoints: {
      main: path.join(ROOT, ENTRIES[app]),
      ...Object.fromEntries(Object.entries(THREADS[app] ?? {}).map(([name, file]) => [name, path.join(ROOT, file)])),
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    plugins: [installed],
    logLevel: 'warning',
  });
  // esbuild's own process is not needed once the bundle is written
  await stop();
  return path.join(outdir, 'main.mjs');
}

function usage() {
  process.stderr.write('usage: node scripts/service.mjs run agent|gateway|cli | build agent|gateway|cli DIR | args agent|gateway|cli\n');
  process.exit(2);
}

const [command, app, dir] = process.argv.slice(2);
if (!ENTRIES[app]) usage();
if (command === 'build') {
  if (!dir) usage();
  const file = await bundle(app, path.resolve(dir));
  process.stdout.write(`${JSON.stringify({ file, nodeArgs: NODE_ARGS[app], env: ENV })}\n`);
} else if (command === 'args') {
  process.stdout.write(`${JSON.stringify({ nodeArgs: NODE_ARGS[app], env: ENV })}\n`);
} else if (command === 'run') {
  const out = mkdtempSync(path.join(tmpdir(), `hoop-${app}-`));
  const file = await bundle(app, out);
  const child = spawn(process.execPath, [...NODE_ARGS[app], file, ...process.argv.slice(4)], { stdio: 'inherit', env: { ...process.env, ...ENV } });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    rmSync(out, { recursive: true, force: true });
    process.exit(code ?? 128 + (constants.signals[signal] ?? 1));
  });
} else usage();
