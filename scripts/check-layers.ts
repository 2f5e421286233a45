// The layer check: every import under apps/, packages/, scripts/, bench/ and playwright/ against the arrows in
// .dependency-cruiser.cjs (no circles; apps above packages, never each other; pure pgwire and pipeline; agent and
// cli without the database; every import declared). Run first by `npm test` and by `npm run lint`; lists each
// violation with the rule's explanation and exits 1 when one is an error.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, format, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['apps', 'packages', 'scripts', 'bench', 'playwright'];

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifests = new Map<string, Manifest | null>();

/** The package.json that owns a module (the nearest one above it) and whether it declares `name`. */
function manifestOf(file: string): { file: string; declares(name: string): boolean } | null {
  for (let dir = path.dirname(path.join(ROOT, file)); dir.startsWith(ROOT); dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (!manifests.has(p)) manifests.set(p, existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Manifest) : null);
    const m = manifests.get(p);
    if (m)
      return {
        file: path.relative(ROOT, p),
        declares: (name) => m.name === name || [m.dependencies, m.devDependencies, m.peerDependencies].some((d) => d !== undefined && name in d),
      };
  }
  return null;
}

/**
 * dependency-cruiser checks npm packages against the nearest package.json itself (`npm-no-pkg`), but not the
 * workspace's own packages (pnpm links them, so it marks them `undetermined`): those are marked here, under the same rule.
 */
function markUndeclaredWorkspaceImports(result: ICruiseResult): void {
  for (const m of result.modules) {
    for (const d of m.dependencies) {
      const name = /^(@hoop\/[^/]+)/.exec(d.module)?.[1];
      if (!name || manifestOf(m.source)?.declares(name) !== false) continue;
      d.valid = false;
      d.rules = [...(d.rules ?? []), { name: 'not-to-undeclared', severity: 'error' }];
    }
  }
}

export interface LayerCheck {
  /** the violations, one per line with the rule's explanation; empty when there are none */
  report: string;
  errors: number;
  warnings: number;
  modules: number;
}

/** Cruises the workspace (the working directory is the repository root meanwhile: the rules' paths are relative to it). */
export async function checkLayers(): Promise<LayerCheck> {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const options = await extractDepcruiseOptions(path.join(ROOT, '.dependency-cruiser.cjs'));
    // web imports its own modules as `~/…` (apps/web/tsconfig.json paths)
    const resolve = { alias: { '~': path.join(ROOT, 'apps', 'web', 'src') } };
    const { output } = await cruise(SCANNED, { ...options, outputType: 'json' }, resolve as never);
    const result = JSON.parse(String(output)) as ICruiseResult;
    markUndeclaredWorkspaceImports(result);
    // format() summarizes the modules again, with the marks above
    const { summary } = JSON.parse(String((await format(result, { outputType: 'json' })).output)) as ICruiseResult;
    const report = summary.violations.length ? String((await format(result, { outputType: 'err-long' })).output) : '';
    return { report, errors: summary.error, warnings: summary.warn, modules: summary.totalCruised };
  } finally {
    process.chdir(cwd);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await checkLayers();
  process.stdout.write(r.report);
  if (r.errors === 0)
    process.stdout.write(
      `layers: ${r.modules} modules, no forbidden import${r.warnings ? ` (${r.warnings} warning${r.warnings > 1 ? 's' : ''} above)` : ''}\n`,
    );
  process.exit(r.errors > 0 ? 1 : 0);
}
