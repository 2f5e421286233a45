import type { CliConfig } from './config';
import { api } from './gateway';
import type { Waiting } from './waiting';

/** Between looks: soon at first (most statements are answered at once, a held one is seen quickly), then every 3 s. */
const DELAYS_MS = [300, 500, 1000, 2000, 3000];

/**
 * Watches for the review a session's statement waits on, for protocols that cannot tell their client (MySQL: the
 * client simply waits for the answer). Asks the gateway for the pending statement reviews held in the session until
 * one shows, then calls `found` once with it. Returns stop().
 */
export function watchSessionReview(config: CliConfig, sessionId: string, found: (w: Waiting) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let n = 0;
  const look = async () => {
    timer = null;
    try {
      const { reviews } = await api<{ reviews: { id: string; url?: string; expiresAt: string }[] }>(
        config,
        `/api/reviews?status=pending&kind=statement&mine=1&session=${encodeURIComponent(sessionId)}&limit=1`,
      );
      const r = reviews[0];
      if (stopped) return;
      if (r) return found({ reviewId: r.id, url: r.url ?? `review ${r.id}`, expiresAt: new Date(r.expiresAt) });
    } catch {
      // the gateway did not answer this time: the statement's own answer is what counts; look again
    }
    if (!stopped) timer = setTimeout(look, DELAYS_MS[Math.min(n++, DELAYS_MS.length - 1)]);
  };
  timer = setTimeout(look, DELAYS_MS[n++]);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
