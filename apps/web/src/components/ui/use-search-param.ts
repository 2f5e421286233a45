'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useTransition } from 'react';

/**
 * List filters live in the URL (shareable, and the server renders the same page): this updates some parameters,
 * dropping the page number unless it is one of them.
 */
export function useSetSearchParams(): { set: (next: Record<string, string | null>) => void; pending: boolean } {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const set = useCallback(
    (next: Record<string, string | null>) => {
      const p = new URLSearchParams(params.toString());
      if (!('page' in next)) p.delete('page');
      for (const [k, v] of Object.entries(next)) {
        if (v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      const qs = p.toString();
      startTransition(() => router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false }));
    },
    [router, pathname, params],
  );
  return { set, pending };
}
