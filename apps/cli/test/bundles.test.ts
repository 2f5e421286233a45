import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleOf, PREBUILT_BUNDLES_VAR } from '@hoop/devstack/bundles';

describe('the agent, gateway and CLI the tests run', () => {
  it("are the run's own, built once by vitest's global setup and found by every test process", () => {
    const prebuilt = JSON.parse(process.env[PREBUILT_BUNDLES_VAR] ?? '{}') as Record<string, { file: string }>;
    for (const app of ['agent', 'gateway', 'cli'] as const) {
      expect(prebuilt[app]?.file, app).toBeTruthy();
      expect(bundleOf(app).file).toBe(prebuilt[app]!.file);
      expect(existsSync(bundleOf(app).file)).toBe(true);
    }
  });
});
