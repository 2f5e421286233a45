import type { ProbeResult, ProbeStatus, ProbeStep } from '@hoop/protocol';

// What every connection test shares (each protocol's probe, and probe.ts that runs the one of a connection): the recorder
// of its steps, its options and deadline, and the words for a failed TCP connect.

/**
 * The steps of one connection test as they happen, and its answer. Every text that leaves passes through `scrub`,
 * which replaces the secrets the test handled, so an error that quotes one (a driver echoing its input) cannot leak it.
 */
export class ProbeRecorder {
  readonly steps: ProbeStep[] = [];
  readonly startedAt = Date.now();
  private readonly secrets: string[] = [];
  private last = Date.now();

  /** a value that must never appear in the answer */
  hide(value: string | null | undefined): void {
    if (value && value.length >= 3) this.secrets.push(value);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[secret]');
    return out.slice(0, 2000);
  }

  /** records a step; `ms` defaults to the time since the previous step */
  step(id: string, label: string, status: ProbeStatus, detail: string, ms?: number): void {
    const now = Date.now();
    this.steps.push({ id, label, status, detail: this.scrub(detail), ms: Math.max(0, Math.round(ms ?? now - this.last)) });
    this.last = now;
  }

  fail(code: string, summary: string, extra: Partial<ProbeResult> = {}): ProbeResult {
    return this.finish(false, summary, { ...extra, code });
  }

  finish(ok: boolean, summary: string, extra: Partial<ProbeResult> = {}): ProbeResult {
    return { ...extra, ok, summary: this.scrub(summary), latencyMs: Date.now() - this.startedAt, steps: this.steps.slice(0, 20) };
  }
}

export interface ProbeOptions {
  timeoutMs: number;
  maxMessage: number;
  /** PATH, HOME and LANG of the agent, for command connections */
  baseEnv: { PATH: string; HOME: string; LANG: string };
}

export interface ProbeRun extends ProbeOptions {
  deadline: number;
  /** names the step under way, for a timeout */
  stage: { name: () => string };
}

/** The time left before the test's deadline, at least 500 ms (a step that starts late still gets a chance to fail clearly). */
export function remaining(o: ProbeRun): number {
  return Math.max(500, o.deadline - Date.now());
}

const NETWORK: Record<string, { code: string; say: (where: string, host: string, port: number, errno: string, timeoutS: number) => string }> = {
  ENOTFOUND: {
    code: 'host_not_found',
    say: (_w, h, _p, e) => `the agent cannot resolve the host name "${h}" (${e}): check the name, or the DNS of the agent's network`,
  },
  EAI_AGAIN: { code: 'host_not_found', say: (_w, h, _p, e) => `the agent cannot resolve the host name "${h}" (${e}: DNS did not answer)` },
  ECONNREFUSED: { code: 'refused', say: (w, _h, p) => `${w} refused the connection: nothing listens on port ${p} there (wrong port, or the server is down)` },
  ETIMEDOUT: { code: 'timeout', say: (w, _h, _p, _e, t) => `no answer from ${w} within ${t} s: a firewall that drops packets, or a wrong address` },
  EHOSTUNREACH: { code: 'unreachable', say: (_w, h, _p, e) => `${h} is unreachable from the agent (${e}: no route to it)` },
  ENETUNREACH: { code: 'unreachable', say: (_w, h, _p, e) => `the network of ${h} is unreachable from the agent (${e})` },
  ECONNRESET: { code: 'unreachable', say: (w) => `${w} reset the connection at once (a proxy or firewall in the way?)` },
};

/** A failed TCP connect in words: unknown host, refused port, timeout, no route; null for other errors. */
export function networkFailure(host: string, port: number, errno: string | undefined, timeoutMs: number): { code: string; detail: string } | null {
  const known = errno ? NETWORK[errno] : undefined;
  if (!known || !errno) return null;
  return { code: known.code, detail: known.say(`${host}:${port}`, host, port, errno, Math.round(timeoutMs / 100) / 10) };
}
