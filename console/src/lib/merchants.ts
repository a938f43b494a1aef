// Merchant scopes as people type them: ids separated by commas, spaces or new lines; empty means
// every merchant (the API's null).

/** The ids in a typed list, without duplicates, sorted; undefined when none (every merchant). */
export function parseMerchants(text: string): string[] | null {
  const ids = [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))].sort();
  return ids.length === 0 ? null : ids;
}

/** A scope as a line of text: the ids, or "All merchants". */
export function merchantsText(ids: readonly string[] | null | undefined): string {
  return ids && ids.length > 0 ? ids.join(', ') : 'All merchants';
}
