import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralRange, freePort, servicePortRange } from './ports';

describe('test service ports', () => {
  it('come from outside the kernel ephemeral range, the larger gap first', () => {
    expect(servicePortRange(ephemeralRange('32768\t60999\n'))).toEqual([10_000, 32_767]);
    expect(servicePortRange(ephemeralRange('15000 30000'))).toEqual([30_001, 65_535]);
    expect(ephemeralRange('garbage')).toEqual([49_152, 65_535]);
  });

  it('are never handed out twice, are bindable, and avoid one already taken', async () => {
    const [lo, hi] = ephemeralRange();
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const port = await freePort();
      expect(port >= lo && port <= hi).toBe(false);
      expect(seen.has(port)).toBe(false);
      seen.add(port);
    }
    // hold the next port a fresh pick would try: freePort must skip it
    const held: net.Server[] = [];
    try {
      const probe = await freePort();
      for (const port of [probe + 1, probe + 2]) {
        const srv = net.createServer();
        await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(port, '127.0.0.1', resolve)).catch(() => undefined);
        held.push(srv);
      }
      const after = await freePort();
      expect([probe + 1, probe + 2]).not.toContain(after);
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(after, '127.0.0.1', resolve));
      held.push(srv);
    } finally {
      await Promise.all(held.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
    }
  });
});
