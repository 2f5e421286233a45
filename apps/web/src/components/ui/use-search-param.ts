'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useTransition } from 'react';

/**
 * List filters live in the URL (shareable, and the server renders the same page): `href` is the URL with some
 * parameters changed, `set` goes there without a full page load. Both drop the page number unless it is one of them.
 */
export function useSetSearchParams(): {
  set: (next: Record<string, string | null>) => void;
  href: (next: Record<string, string | null>) => string;
  pending: boolean;
} {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const href = useCallback(
    (next: Record<string, string | null>) => {
      const p = new URLSearchParams(params.toString());
      if (!('page' in next)) p.delete('page');
      for (const [k, v] of Object.entries(next)) {
        if (v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      const qs = p.toString();
      return qs ? `${pathname}?${qs}` : pathname;
    },
    [pathname, params],
  );
  const set = useCallback((next: Record<string, string | null>) => startTransition(() => router.replace(href(next), { scroll: false })), [router, href]);
  return { set, href, pending };
}
