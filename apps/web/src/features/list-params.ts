/** Reads list filters from a page's search parameters (first value wins, anything malformed is ignored). */
export type SearchParams = Record<string, string | string[] | undefined>;

export function param(sp: SearchParams, key: string): string | undefined {
  const v = sp[key];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() ? s.trim().slice(0, 100) : undefined;
}

export function pageParam(sp: SearchParams): number {
  const n = Number(param(sp, 'page'));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}
