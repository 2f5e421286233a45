import 'server-only';
import { AppError, HTTP_STATUS } from '@hoop/core/errors';

/** A file built while it is sent: each chunk is read from the database only when the client is ready for it. */
export function downloadResponse(file: { filename: string; contentType: string; chunks: AsyncIterable<string> }): Response {
  const encoder = new TextEncoder();
  const it = file.chunks[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await it.return?.();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

/** An `AppError` as JSON with its HTTP status; anything else is a 500 whose details stay in the server log. */
export function errorResponse(err: unknown, what: string): Response {
  if (err instanceof AppError) return Response.json({ error: err.message }, { status: HTTP_STATUS[err.code] });
  console.error(`${what} failed:`, err);
  return Response.json({ error: 'Something went wrong on the server. Try again; if it keeps failing, check the web app log.' }, { status: 500 });
}

export const signedOut = (): Response => Response.json({ error: 'You are not signed in, or your session has ended. Sign in again.' }, { status: 401 });
