// Response schemas shared by the route tables (for the OpenAPI document).
import { z } from 'zod';

/** Timestamps are serialized as ISO 8601 strings. */
export const timestamp = z.iso.datetime({ offset: true });

/** A page of a list: the rows and how to get the next ones. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    pagination: z.object({
      limit: z.number().int(),
      offset: z.number().int(),
      total: z.number().int(),
      next_cursor: z
        .string()
        .nullable()
        .describe('Pass as `cursor` for the next page; null on the last page.'),
    }),
  });
}
