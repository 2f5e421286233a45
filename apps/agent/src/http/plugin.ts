import type { BodyFilter } from './response-body';

export type { ExchangePlugin, Judgement, ServedExchange } from './context';

/** Two body filters one after the other. */
export function chainFilters(first: BodyFilter, then: BodyFilter | null): BodyFilter {
  if (!then) return first;
  return {
    push: (c) => then.push(first.push(c)),
    end: () => Buffer.concat([then.push(first.end()), then.end()]),
  };
}
