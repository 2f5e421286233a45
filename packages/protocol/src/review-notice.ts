/**
 * The NOTICE a held statement sends (`waiting for approval: <url>`, with the review id and deadline in its detail),
 * read back by clients that want to show or act on it (the CLI, the MCP tools).
 */
export interface WaitingNotice {
  reviewId: string;
  url: string;
  expiresAt: Date | null;
}

export function parseWaitingNotice(message: string, detail: string | undefined): WaitingNotice | null {
  const m = /^waiting for approval: (\S+)/.exec(message);
  if (!m) return null;
  const id = /review ([0-9a-f-]{36})/.exec(detail ?? '')?.[1] ?? /\/reviews\/([0-9a-f-]{36})/.exec(m[1]!)?.[1];
  if (!id) return null;
  const at = /expires at (\S+)/.exec(detail ?? '')?.[1];
  const expiresAt = at ? new Date(at) : null;
  return { reviewId: id, url: m[1]!, expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : null };
}
