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

/** A merchant id as payments carry it. */
export const merchantId = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be a merchant id (letters, digits, . _ : -)');

/** A merchant scope as written: null or absent for every merchant, else 1 to 200 merchant ids. */
export const merchantScopeInput = z
  .array(merchantId)
  .min(1, 'name at least one merchant, or null for every merchant')
  .max(200)
  .transform((ids) => [...new Set(ids)].sort())
  .nullable()
  .describe('The merchants this access is limited to; null: every merchant. Ignored for admins.');
