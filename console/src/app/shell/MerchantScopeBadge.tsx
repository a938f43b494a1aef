// The masthead's merchant-scope badge: a user limited to some merchants sees which, at all times.
// It reads the signed-in user (users/me), which the live stream refreshes when an administrator
// changes the user's merchants or role, so the badge follows without a reload.
import { Label } from '@patternfly/react-core';
import BuildingIcon from '@patternfly/react-icons/dist/esm/icons/building-icon';
import { merchantsText } from '../../lib/merchants';
import { useMe } from '../../lib/preferences';

/** What the badge says: the merchant when there is one, else how many. */
export function scopeBadgeText(ids: readonly string[]): string {
  return ids.length === 1 ? (ids[0] ?? '') : `${String(ids.length)} merchants`;
}

export function MerchantScopeBadge() {
  const me = useMe();
  const ids = me.data?.role === 'admin' ? null : (me.data?.merchant_ids ?? null);
  // A live region: a change (an administrator widening or narrowing the scope) is announced.
  return (
    <span role="status" className="payflow-scope-badge">
      {ids && ids.length > 0 && (
        <Label color="blue" icon={<BuildingIcon />} isCompact textMaxWidth="18ch" title={merchantsText(ids)}>
          <span className="pf-v6-screen-reader">Limited to </span>
          {scopeBadgeText(ids)}
          {ids.length > 1 && <span className="pf-v6-screen-reader">: {merchantsText(ids)}</span>}
        </Label>
      )}
    </span>
  );
}
