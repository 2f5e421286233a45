import { type AgentConnection, type Payload, PROBE_TIMEOUT_MS, ProbeResult } from '@hoop/protocol';
import type { AgentLink } from './registry';

/** Time for the answer to come back over the tunnel after the agent's own limit. */
const RETURN_MS = 2_000;

interface Waiting {
  link: AgentLink;
  resolve(r: ProbeResult): void;
  timer: NodeJS.Timeout;
}

const failed = (code: string, summary: string): ProbeResult => ({ ok: false, code, summary, latencyMs: 0, steps: [] });

/**
 * Connection tests on agents this gateway holds: sends `probe` and waits for the `probe_result` with the same ref.
 * Always settles: with the agent's report, or with why there is none (an older agent, no answer in time, the agent
 * gone meanwhile).
 */
export class ProbeBroker {
  private nextRef = 1;
  private readonly waiting = new Map<number, Waiting>();

  ask(link: AgentLink, connection: AgentConnection, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
    if (!link.capabilities.includes('probe')) {
      return Promise.resolve(
        failed('agent_version', `agent “${link.identity.name}” runs ${link.software ?? 'an older version'}, which cannot test connections: upgrade it`),
      );
    }
    const ref = this.nextRef++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        resolve(failed('timeout', `agent “${link.identity.name}” did not answer within ${(timeoutMs + RETURN_MS) / 1000} s`));
      }, timeoutMs + RETURN_MS);
      this.waiting.set(ref, { link, resolve, timer });
      link.tunnel.send('probe', { ref, connection, timeoutMs });
    });
  }

  /** an answer from an agent; ignored unless that agent was asked under that ref */
  answered(link: AgentLink, payload: Payload<'probe_result'>): void {
    const w = this.waiting.get(payload.ref);
    if (!w || w.link !== link) return;
    clearTimeout(w.timer);
    this.waiting.delete(payload.ref);
    const { ref: _ref, ...result } = payload;
    w.resolve(ProbeResult.parse(result));
  }

  /** the agent's tunnel closed: its tests end now */
  dropLink(link: AgentLink): void {
    for (const [ref, w] of this.waiting) {
      if (w.link !== link) continue;
      clearTimeout(w.timer);
      this.waiting.delete(ref);
      w.resolve(failed('agent_offline', `agent “${link.identity.name}” disconnected during the test`));
    }
  }
}
