/**
 * A page of the web app is server-rendered HTML until React takes it over (hydration); a click before that lands on a
 * control without its handler and does nothing (a link or a form the browser follows itself still works). The root
 * layout sets `<html data-hydrated>` once React runs (apps/web/src/components/ui/hydration.tsx): wait for it after
 * every full page load before using a control that needs JavaScript.
 */
import type { Page } from '@playwright/test';

/** Resolves once the document now in the page is hydrated; call it after the page's URL says the load happened. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });
}

/** `page.goto`, then waits for hydration. */
export async function gotoHydrated(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await hydrated(page);
}

/** `page.reload`, then waits for hydration. */
export async function reloadHydrated(page: Page): Promise<void> {
  await page.reload();
  await hydrated(page);
}
