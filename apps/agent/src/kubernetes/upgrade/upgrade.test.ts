import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveFirstThenReject, events, exec, h, last, lastStatement, rawUpgrade, setUp, statementCount, tearDown, until } from './upgrade-harness';

/**
 * Upgraded Kubernetes requests through hoop's relay: a local port (httpwire's relayUpgrade, as hoop connect runs
 * it) → exchange frames → the agent's upgrade handler → the test-kit API server. The command guard, impersonation,
 * masking and the recording are the real code.
 */

beforeAll(setUp);
afterAll(tearDown);

describe('kubectl exec through hoop: the channel protocol relayed, read and recorded', () => {
  it('runs the command as the hoop user, masks its output and records it as terminal frames', async () => {
    const n = statementCount();
    const r = await exec(['echo', 'mail', 'ann@example.com']);
    expect(r.status).toEqual({ metadata: {}, status: 'Success' });
    expect(r.stdout).not.toContain('ann@example.com');
    expect(r.stdout).toMatch(/^mail \S+\n$/);
    const at = h.kube.execs.at(-1)!;
    expect([at.user, at.command, at.protocol]).toEqual(['alice@example.com', ['echo', 'mail', 'ann@example.com'], 'v5.channel.k8s.io']);
    const req = last(h.kube.requests, (q) => q.subresource === 'exec')!;
    expect([req.caller, req.user, req.groups, req.impersonated]).toEqual([
      'system:serviceaccount:hoop:hoop-agent',
      'alice@example.com',
      ['ops', 'system:authenticated'],
      true,
    ]);
    const s = await lastStatement(n + 1);
    const output = events.filter((e) => e.type === 'term.output').map((e) => e.data.d as string);
    expect(output.join('')).toContain(r.stdout);
    expect(JSON.stringify(events)).not.toContain('ann@example.com');
    expect(s).toMatchObject({
      status: 101,
      executed: true,
      kubernetes: { verb: 'exec', namespace: 'shop', name: 'box' },
      upgrade: { exitCode: 0, read: true },
    });
  });

  it('passes stdin (recorded) and gives the exit code of a failing command with its stderr', async () => {
    const cat = await exec(['cat'], 'typed line\n');
    expect(cat.stdout).toBe('typed line\n');
    await until(() =>
      events
        .filter((e) => e.type === 'term.input')
        .map((e) => e.data.d)
        .join('')
        .includes('typed line\n'),
    );
    const n = statementCount();
    const failed = await exec(['sh', '-c', 'echo bad >&2; exit 4']);
    expect(failed.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
    expect(failed.stderr).toBe('bad\n');
    const last = await lastStatement(n + 1);
    expect(last).toMatchObject({ status: 101, decision: 'allow', executed: true, upgrade: { exitCode: 4, read: true } });
  });

  it('relays the API server refusing the upgrade as its Status (no such pod)', async () => {
    const r = await rawUpgrade('/api/v1/namespaces/shop/pods/nope/exec?command=ls&stdout=true');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found' });
  });
});

describe('the exec command guard, before anything reaches the API server', () => {
  const refusals: [string, string][] = [
    ['split over several command parameters', '?command=rm&command=-rf&command=/&stdout=true'],
    ['in a shell wrapper', `?command=sh&command=-c&command=${encodeURIComponent('rm -rf /')}&stdout=true`],
    ['in a wrapper of a wrapper', `?command=bash&command=-c&command=${encodeURIComponent(`sh -c 'rm -rf /'`)}&stdout=true`],
    ['URL-encoded names and values', '?%63ommand=rm&command=%2Drf&command=%2F&stdout=true'],
    ['spaces as +', '?command=sh&command=-c&command=rm+-rf+/&stdout=true'],
    ['named in another case', '?Command=rm&command=ls&stdout=true'],
    ['with a ; the server reads otherwise', '?command=ls;command=rm&stdout=true'],
    ['with an escape that does not decode', '?command=ls&command=%E0%A4%A&stdout=true'],
    ['a fork bomb', `?command=sh&command=-c&command=${encodeURIComponent(':(){ :|:& };:')}&stdout=true`],
  ];
  for (const [what, query] of refusals) {
    it(`refuses rm -rf / ${what} with a Status 403, the API server never asked`, async () => {
      const before = h.kube.requests.length;
      for (const method of ['GET', 'POST']) {
        const r = await rawUpgrade(`/api/v1/namespaces/shop/pods/box/exec${query}`, method);
        expect(r.status).toBe(403);
        const s = JSON.parse(r.body);
        expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403 });
        expect(s.message).toMatch(/^blocked by hoop guardrail "/);
      }
      expect(h.kube.requests.length).toBe(before);
    });
  }

  it('lets a harmless command with odd quoting through, judged as the argv the container runs', async () => {
    const r = await exec(['echo', "it's", 'rm -rf /']);
    expect(r.stdout).toBe("it's rm -rf /\n");
    expect(last(events, (e) => e.type === 'command')!.data).toMatchObject({ command: `echo 'it'\\''s' 'rm -rf /'`, decision: 'allow' });
  });
});

describe('exec held for review', () => {
  it('waits for the reviewers, then runs once approved; a rejection is a Status 403', async () => {
    const asked: string[] = [];
    h.review = approveFirstThenReject(asked);
    const q = `?command=python3&command=-c&command=${encodeURIComponent('print(1)')}&stdout=true`;
    const before = h.kube.execs.length;
    const ok = await rawUpgrade(`/api/v1/namespaces/shop/pods/box/exec${q}`);
    const no = await rawUpgrade(`/api/v1/namespaces/shop/pods/box/exec${q}`);
    h.review = null;
    expect(asked[0]).toBe(`kubectl exec -n shop box -- python3 -c 'print(1)'`);
    expect(ok.status).toBe(101);
    expect(no.status).toBe(403);
    expect(JSON.parse(no.body).message).toContain('review r2 was rejected by bob');
    expect(h.kube.execs.length).toBe(before + 1);
  });
});
