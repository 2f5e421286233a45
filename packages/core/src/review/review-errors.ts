import { AppError } from '../errors';
import { ReviewError } from './reviews';

/** reviews.ts words its refusals for every surface in lower case ("you cannot approve …"); pages show sentences. */
export function sentence(message: string): string {
  const m = message.trim();
  if (!m) return m;
  const first = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * Runs a review operation of reviews.ts, turning its `ReviewError` (same codes) into an `AppError`: worded as a
 * sentence for pages, or `as-is` for the CLI, which prints the refusal after `hoop:`.
 */
export async function asAppErrors<T>(work: () => Promise<T>, words: 'sentence' | 'as-is' = 'sentence'): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ReviewError) throw new AppError(err.code, words === 'sentence' ? sentence(err.message) : err.message, { cause: err });
    throw err;
  }
}
