import { z } from 'zod';

/** Server-side paging shared by every list: 1-based page, bounded page size. */
export const PageInput = z.object({
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
});
export type PageInput = z.infer<typeof PageInput>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export const skipTake = (p: PageInput) => ({ skip: (p.page - 1) * p.pageSize, take: p.pageSize });
