// The explorer's columns: which exist, which show by default, which fit on a phone, and the
// user's choice as saved in preferences (tables.payments.columns).
import { useCallback } from 'react';
import { useIsPhone } from '../../lib/media';
import { usePreferences } from '../../lib/preferences';

export const COLUMN_IDS = [
  'id',
  'created_at',
  'merchant_id',
  'payer_id',
  'amount',
  'current_state',
  'refunded',
  'card_fingerprint',
  'country',
  'flags',
  'updated_at',
] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export const COLUMN_TITLES: Record<ColumnId, string> = {
  id: 'Payment',
  created_at: 'Created',
  merchant_id: 'Merchant',
  payer_id: 'Payer',
  amount: 'Amount',
  current_state: 'State',
  refunded: 'Refunded',
  card_fingerprint: 'Card',
  country: 'Country',
  flags: 'Review',
  updated_at: 'Updated',
};

/** Always shown: the id is the link to the payment. */
export const FIXED: readonly ColumnId[] = ['id'];
export const DEFAULT_COLUMNS: readonly ColumnId[] = [
  'id',
  'created_at',
  'merchant_id',
  'payer_id',
  'amount',
  'current_state',
  'flags',
];
/** What fits on a 360 px screen. */
export const PHONE_COLUMNS: readonly ColumnId[] = ['id', 'created_at', 'amount', 'current_state'];

export const TABLE_ID = 'payments';

function isColumn(c: string): c is ColumnId {
  return (COLUMN_IDS as readonly string[]).includes(c);
}

/** The saved choice (unknown names dropped, fixed ones kept, table order), else the defaults. */
export function chosenColumns(saved: readonly string[] | undefined): ColumnId[] {
  if (!saved || saved.length === 0) return [...DEFAULT_COLUMNS];
  const set = new Set([...FIXED, ...saved.filter(isColumn)]);
  return COLUMN_IDS.filter((c) => set.has(c));
}

export function visibleColumns(chosen: readonly ColumnId[], phone: boolean): ColumnId[] {
  return phone ? chosen.filter((c) => PHONE_COLUMNS.includes(c)) : [...chosen];
}

export function toggled(chosen: readonly ColumnId[], id: ColumnId, on: boolean): ColumnId[] {
  if (FIXED.includes(id)) return [...chosen];
  const set = new Set(chosen);
  if (on) set.add(id);
  else set.delete(id);
  return COLUMN_IDS.filter((c) => set.has(c));
}

/** The user's columns and a setter that saves them to their preferences. */
export function useColumns(): {
  chosen: ColumnId[];
  visible: ColumnId[];
  phone: boolean;
  setChosen: (next: ColumnId[]) => Promise<void>;
} {
  const { preferences, update } = usePreferences();
  const phone = useIsPhone();
  const chosen = chosenColumns(preferences.tables?.[TABLE_ID]?.columns);
  const setChosen = useCallback(
    async (next: ColumnId[]) => {
      await update({ tables: { ...preferences.tables, [TABLE_ID]: { columns: next } } });
    },
    [preferences.tables, update],
  );
  return { chosen, visible: visibleColumns(chosen, phone), phone, setChosen };
}
