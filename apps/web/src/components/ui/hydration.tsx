'use client';

import { type MouseEvent, useEffect, useSyncExternalStore } from 'react';

const never = () => () => {};

/**
 * False in the server-rendered HTML and while React takes it over, true from then on: a control whose work is done
 * by JavaScript (not by a link or a form the browser can follow itself) stays disabled until it can do that work.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
}

/**
 * Sets `<html data-hydrated>` once React has taken over the page (rendered last in the root layout, so after the
 * page's own components). Browser tests wait for it before using a control that needs JavaScript; a click before it
 * lands on HTML without handlers. The app has no Suspense boundary of its own: one added around a page would hydrate
 * later than this mark.
 */
export function HydrationMark(): null {
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true';
  }, []);
  return null;
}

/**
 * A plain left click on a link, which the page may handle itself; a click with a modifier key or another button
 * (a new tab, a new window, a download) is left to the browser.
 */
export function isPlainClick(e: MouseEvent<HTMLAnchorElement>): boolean {
  return (
    e.button === 0 &&
    !e.metaKey &&
    !e.ctrlKey &&
    !e.shiftKey &&
    !e.altKey &&
    !e.defaultPrevented &&
    (!e.currentTarget.target || e.currentTarget.target === '_self')
  );
}
