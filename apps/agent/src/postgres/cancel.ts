import { randomInt } from 'node:crypto';
import { cancelRequest } from '@hoop/pgwire';
import { openSocket, type TargetConfig } from './target';

interface Entry {
  cfg: TargetConfig;
  processId: number;
  secretKey: number;
}

/**
 * Clients get a BackendKeyData made up by the agent; a CancelRequest carrying it is forwarded to the right target
 * backend with the real key. Target process ids and keys never reach the client, and an unknown key cancels nothing.
 */
export class CancelRegistry {
  private readonly entries = new Map<string, Entry>();

  register(entry: Entry): { processId: number; secretKey: number; release: () => void } {
    let processId: number;
    let secretKey: number;
    let k: string;
    do {
      processId = randomInt(1, 0x7fffffff);
      secretKey = randomInt(-0x80000000, 0x7fffffff);
      k = `${processId}:${secretKey}`;
    } while (this.entries.has(k));
    this.entries.set(k, entry);
    return { processId, secretKey, release: () => this.entries.delete(k) };
  }

  async cancel(processId: number, secretKey: number): Promise<boolean> {
    const entry = this.entries.get(`${processId}:${secretKey}`);
    if (!entry) return false;
    const socket = await openSocket(entry.cfg);
    await new Promise<void>((resolve) => {
      socket.end(cancelRequest(entry.processId, entry.secretKey));
      socket.once('close', () => resolve());
      socket.once('error', () => resolve());
    });
    return true;
  }
}
