import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { REPO_ROOT } from '@hoop/devstack';
import { findBinary, skipWithout } from '@hoop/devstack/tools';

/**
 * The deployment files (deploy/) kept in step with the services as the tests run them. No image is built and no chart
 * rendered here (no registry, no Docker daemon, no helm): each variable the Dockerfiles, the compose file and the Helm
 * chart set must be one its service reads (its env.ts, or deploy/migrate.ts), each service gets the variables it cannot
 * start without, the images run the bundles with scripts/service.mjs's flags and the pinned pnpm, the health checks
 * name the services' real endpoints, and HAProxy accepts its configuration.
 */

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const read = (...p: string[]) => readFileSync(path.join(REPO_ROOT, ...p), 'utf8');

/** the source of what reads each service's environment */
const READERS = {
  gateway: read('apps/gateway/src/env.ts'),
  agent: read('apps/agent/src/env.ts'),
  web: read('apps/web/src/env.ts'),
  migrate: read('deploy/migrate.ts'),
};
type Service = keyof typeof READERS;

/** variables read by something other than the service's env.ts, and by what */
const READ_ELSEWHERE: Record<string, string> = {
  NODE_ENV: 'Node and Next.js',
  NODE_OPTIONS: 'Node (the web app loads tsx, as scripts/web-service.ts starts it)',
  MALLOC_MMAP_THRESHOLD_: 'glibc (as scripts/service.mjs sets it)',
  POD_IP: 'Kubernetes, to expand HOOP_GATEWAY_INTERNAL_URL to the pod’s address',
  POD_NAME: 'Kubernetes, to expand HOOP_GATEWAY_INTERNAL_URL to a name of the pod',
};

/** what a service cannot start without: its schema's variables with neither a default nor `.optional()` */
const REQUIRED: Record<Service, string[]> = {
  gateway: ['DATABASE_URL', 'HOOP_ENCRYPTION_KEY'],
  agent: ['HOOP_AGENT_KEY'],
  web: ['DATABASE_URL', 'NEXTAUTH_SECRET'],
  migrate: ['DATABASE_URL'],
};

function unread(service: Service, names: string[]): string[] {
  return names.filter((n) => !READ_ELSEWHERE[n] && !new RegExp(`\\b${n}\\b`).test(READERS[service]));
}

/** the environment each Dockerfile's last stage sets, and its command */
function dockerfile(service: 'gateway' | 'agent' | 'web') {
  const text = read('deploy', `${service}.Dockerfile`);
  const last = text.slice(text.lastIndexOf('\nFROM '));
  const env = [...last.matchAll(/^ENV (.+)$/gm)].flatMap((m) => [...m[1]!.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((v) => v[1]!));
  const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(last)?.[1] ?? 'null') as string[] | null;
  return { text, env, cmd };
}

/** the variables a Helm template sets: `- name: X`, `{ name: X, … }` and the secret helper's `"name" "X"` */
function templateEnv(file: string): string[] {
  const text = readFileSync(path.join(DEPLOY, 'helm', 'hoop', 'templates', file), 'utf8');
  const env = text.slice(text.indexOf('env:'));
  return [...env.matchAll(/(?:- name: |\{ name: |"name" ")([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
}

describe('deploy/', () => {
  it('the Dockerfiles run what the tests run: the bundles with scripts/service.mjs flags, next start, the pinned pnpm, the healthz endpoints', () => {
    const service = read('scripts/service.mjs');
    const mmap = /MALLOC_MMAP_THRESHOLD_ \?\? '(\d+)'/.exec(service)![1]!;
    const pnpm = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager.split('@')[1]!;
    for (const s of ['gateway', 'agent'] as const) {
      const d = dockerfile(s);
      const { nodeArgs } = JSON.parse(execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/service.mjs'), 'args', s], { encoding: 'utf8' })) as {
        nodeArgs: string[];
      };
      expect(d.cmd).toEqual(['node', ...nodeArgs, `/app/dist/${s}/main.mjs`]);
      expect(d.text).toContain(`RUN node scripts/service.mjs build ${s} /app/dist/${s}`);
      expect(d.text).toContain(`MALLOC_MMAP_THRESHOLD_=${mmap}`);
    }
    const web = dockerfile('web');
    expect(web.cmd).toEqual(['node', 'node_modules/next/dist/bin/next', 'start', '--port', '3000', '--hostname', '0.0.0.0']);
    expect(web.text).toContain('NODE_OPTIONS=--import=tsx');
    expect(read('scripts/web-service.ts')).toContain("NODE_OPTIONS: '--import=tsx'");
    for (const s of ['gateway', 'agent', 'web'] as const) {
      const d = dockerfile(s);
      expect(d.text).toContain(`npm install -g pnpm@${pnpm} `);
      expect(d.text).toMatch(/^FROM node:20-bookworm-slim AS workspace$/m);
      expect(d.text).toMatch(/^USER node$/m);
      expect(unread(s, d.env), `${s}.Dockerfile sets variables the ${s} does not read`).toEqual([]);
    }
    expect(read('apps/gateway/src/http/handler.ts')).toContain("req.url === '/healthz'");
    expect(existsSync(path.join(REPO_ROOT, 'apps/web/src/app/healthz/route.ts'))).toBe(true);
    expect(dockerfile('gateway').text).toContain('/healthz');
    expect(web.text).toContain('/healthz');
  });

  it('the compose file sets only variables its services read, and every one they need', () => {
    const doc = parseDocument(read('deploy/compose.yaml'), { merge: true });
    expect(doc.errors).toEqual([]);
    const compose = doc.toJS() as { services: Record<string, { image?: string; environment?: Record<string, string>; command?: string[] }> };
    const serviceOf = (name: string, image?: string): Service | null =>
      name === 'migrate' ? 'migrate' : image === 'hoop-gateway' ? 'gateway' : image === 'hoop-agent' ? 'agent' : image === 'hoop-web' ? 'web' : null;
    const seen = new Set<string>();
    for (const [name, s] of Object.entries(compose.services)) {
      const service = serviceOf(name, s.image);
      if (!service) continue;
      seen.add(name);
      const names = Object.keys(s.environment ?? {});
      expect(unread(service, names), `compose service ${name}`).toEqual([]);
      expect(
        REQUIRED[service].filter((n) => !names.includes(n)),
        `compose service ${name} lacks`,
      ).toEqual([]);
    }
    expect([...seen].sort()).toEqual(['agent', 'gateway-1', 'gateway-2', 'gateway-3', 'migrate', 'web']);
    expect(compose.services.migrate!.command).toEqual(['node', '--import', 'tsx', 'deploy/migrate.ts']);
    // each gateway registers its own address on the compose network
    for (const g of [1, 2, 3]) expect(compose.services[`gateway-${g}`]!.environment!.HOOP_GATEWAY_INTERNAL_URL).toBe(`ws://gateway-${g}:8009`);
  });

  it('the Helm chart: values without secrets, templates that set only variables their services read, and every one they need', () => {
    const values = parse(read('deploy/helm/hoop/values.yaml')) as Record<string, Record<string, unknown>>;
    expect(values.secrets).toMatchObject({ existingSecret: expect.any(String), databaseUrlKey: expect.any(String), encryptionKeyKey: expect.any(String) });
    expect(values.gateway).toMatchObject({ replicas: expect.any(Number), podDisruptionBudget: { minAvailable: expect.any(Number) } });
    expect(values.agent).toMatchObject({ enabled: false, existingSecret: expect.any(String), keyKey: expect.any(String) });
    // secrets come from existing Secrets: no value in the chart looks like a key, a token or a password
    expect(read('deploy/helm/hoop/values.yaml')).not.toMatch(/(hoop_agent_|hoop_tok_|sk-ant-|BEGIN [A-Z ]*PRIVATE KEY|postgres:\/\/[^@\s]*:[^@\s]*@)/);
    const templates = readdirSync(path.join(DEPLOY, 'helm', 'hoop', 'templates')).filter((f) => f.endsWith('.yaml'));
    const byService: [Service, string][] = [
      ['gateway', 'gateway-deployment.yaml'],
      ['web', 'web-deployment.yaml'],
      ['agent', 'agent-deployment.yaml'],
      ['migrate', 'migrate-job.yaml'],
    ];
    for (const [service, file] of byService) {
      expect(templates).toContain(file);
      const names = templateEnv(file);
      expect(unread(service, names), `${file} sets variables the ${service} does not read`).toEqual([]);
      expect(
        REQUIRED[service].filter((n) => !names.includes(n)),
        `${file} lacks`,
      ).toEqual([]);
    }
    expect(templateEnv('gateway-deployment.yaml')).toContain('HOOP_GATEWAY_INTERNAL_URL');
    const gateway = read('deploy/helm/hoop/templates/gateway-deployment.yaml');
    expect(gateway).toMatch(/readinessProbe:\n\s+httpGet: \{ path: \/healthz, port: http \}/);
    expect(read('deploy/helm/hoop/templates/gateway-pdb.yaml')).toContain('kind: PodDisruptionBudget');
    // every {{ … }} closes on its line
    for (const f of templates)
      for (const line of read('deploy/helm/hoop/templates', f).split('\n')) expect(line.split('{{').length, `${f}: ${line}`).toBe(line.split('}}').length);
  });

  // needs HAProxy: npm test installs it (haproxy); skipped only where it could not and said so
  it.skipIf(skipWithout('haproxy'))('HAProxy accepts deploy/haproxy.cfg, whose backends are the compose file’s gateways and web app', () => {
    const r = spawnSync(findBinary('haproxy') ?? 'haproxy', ['-c', '-f', path.join(DEPLOY, 'haproxy.cfg')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const cfg = read('deploy/haproxy.cfg');
    for (const g of [1, 2, 3]) for (const port of [8009, 15432]) expect(cfg).toContain(`server gateway-${g} gateway-${g}:${port} check`);
    expect(cfg).toContain('server web web:3000 check');
  });
});
