import { AppError } from './errors';

/** How a service call ended, for tests: `ok`, or the AppError it was refused with as `code: message`. */
export async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? `${err.code}: ${err.message}` : `unexpected: ${String(err)}`;
  }
}
