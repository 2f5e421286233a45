import { oneOf, param, type SearchParams } from '../list-params';

/**
 * The session list's filters as they appear in the URL (`/sessions?outcome=blocked&from=2026-03-01`), read the same way
 * by the page, its export link and the export route. Dates are whole days in UTC; `to` includes its day.
 */
export const MODES = ['connect', 'exec', 'mcp', 'claude'] as const;
export const STATUSES = ['open', 'closed', 'failed'] as const;
export const OUTCOMES = ['blocked', 'reviewed', 'masked'] as const;
export const FILTER_KEYS = ['user', 'connection', 'mode', 'status', 'from', 'to', 'outcome', 'q'] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(value: string | undefined, plusDays = 0): Date | undefined {
  if (!value || !DAY.test(value)) return undefined;
  const d = new Date(`${value}T00:00:00.000Z`);
  if (Number.isNaN(d.getTime())) return undefined;
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d;
}

export interface SessionListParams {
  user?: string;
  connection?: string;
  mode?: (typeof MODES)[number];
  status?: (typeof STATUSES)[number];
  from?: Date;
  to?: Date;
  outcome?: (typeof OUTCOMES)[number];
  q?: string;
}

export function sessionFiltersFrom(sp: SearchParams): SessionListParams {
  return {
    user: param(sp, 'user'),
    connection: param(sp, 'connection'),
    mode: oneOf(param(sp, 'mode'), MODES),
    status: oneOf(param(sp, 'status'), STATUSES),
    from: day(param(sp, 'from')),
    to: day(param(sp, 'to'), 1),
    outcome: oneOf(param(sp, 'outcome'), OUTCOMES),
    q: param(sp, 'q'),
  };
}

/** `URLSearchParams` as the `SearchParams` a page receives. */
export function searchParamsOf(u: URLSearchParams): SearchParams {
  const out: SearchParams = {};
  for (const k of new Set(u.keys())) out[k] = u.getAll(k);
  return out;
}
