import { formatMinor, formatMoney } from '../lib/format';

/** An amount with its currency's exponent and symbol; the ISO code is in the accessible title. */
export function Money({
  amount,
  minor,
  currency,
}: {
  amount?: number | string;
  minor?: string;
  currency: string;
}) {
  const text = minor !== undefined ? formatMinor(minor, currency) : formatMoney(amount ?? 0, currency);
  return (
    <span className="pf-v6-u-font-family-monospace" style={{ whiteSpace: 'nowrap' }} title={currency}>
      {text}
    </span>
  );
}
