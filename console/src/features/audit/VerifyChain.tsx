// The audit chains' integrity: the latest verification (GET /api/v1/audit/verify/status, shown to
// everyone) with the time the chains last held, and a clear red state naming the chain and the
// first bad row when a run found a break. "Verify chain" (admins; GET /api/v1/audit/verify)
// re-hashes every chain now and the status follows.
import { Alert, AlertActionCloseButton, Skeleton } from '@patternfly/react-core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { GuardedButton } from '../../components/Guarded';
import { Timestamp } from '../../components/Timestamp';
import { api, describeError } from '../../lib/api';
import { formatCount } from '../../lib/format';
import { keys } from '../../lib/query';
import type { VerifyReport, VerifyStatus } from './types';

const STATUS_KEY = [...keys.audit, 'verify-status'];

export function verifyText(r: VerifyReport): { title: string; body: string } {
  const rows = r.chains.reduce((n, c) => n + Number(c.rows_checked), 0);
  const checked = `${formatCount(rows)} rows in ${formatCount(r.chains.length)} ${r.chains.length === 1 ? 'chain' : 'chains'} checked`;
  const bad = r.chains.find((c) => !c.valid);
  if (r.valid || !bad)
    return { title: 'Audit chain is intact', body: `${checked}; every hash and link matches.` };
  const where = bad.first_bad_id ? ` at ${bad.first_bad_id}` : '';
  return {
    title: `Audit chain ${String(bad.chain)} is broken${where}`,
    body: `${bad.problem ?? 'A hash or link does not match'}. ${checked}.`,
  };
}

export function useVerifyStatus() {
  return useQuery({
    queryKey: STATUS_KEY,
    queryFn: ({ signal }) => api.get<VerifyStatus>('/api/v1/audit/verify/status', undefined, signal),
    staleTime: 60_000,
  });
}

export function useVerify() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.get<VerifyReport>('/api/v1/audit/verify'),
    onSettled: async () => {
      await client.invalidateQueries({ queryKey: STATUS_KEY });
    },
  });
}

export function VerifyButton({ verify }: { verify: ReturnType<typeof useVerify> }) {
  return (
    <GuardedButton
      need="admin"
      variant="secondary"
      isLoading={verify.isPending}
      onClick={() => {
        verify.mutate();
      }}
    >
      Verify chain
    </GuardedButton>
  );
}

/** The standing status: intact (when last verified), broken (where), or never verified. */
export function VerifyStatusBanner() {
  const status = useVerifyStatus();
  if (status.isPending)
    return <Skeleton height="3rem" screenreaderText="Loading the chain verification status" />;
  if (status.error)
    return (
      <Alert isInline variant="warning" title="Could not read the chain verification status">
        {describeError(status.error)}
      </Alert>
    );
  const { last, last_passed_at: passed } = status.data;
  if (!last)
    return (
      <Alert isInline variant="info" title="The audit chains have not been verified yet">
        An admin can verify them now with Verify chain; every run is remembered here.
      </Alert>
    );
  if (last.valid)
    return (
      <Alert isInline variant="success" title="Audit chains intact">
        Last verified <Timestamp value={last.verified_at} relative />: {formatCount(last.rows_checked)} rows
        in {formatCount(last.chains)} chains, every hash and link matches.
      </Alert>
    );
  return (
    <Alert
      isInline
      variant="danger"
      title={`Audit chain ${String(last.bad_chain ?? '?')} is broken${last.first_bad_id ? ` at ${last.first_bad_id}` : ''}`}
    >
      <div>
        {last.problem ?? 'A hash or link does not match'} (found{' '}
        <Timestamp value={last.verified_at} relative />
        ). The first bad row is{' '}
        <strong className="pf-v6-u-font-family-monospace">{last.first_bad_id ?? 'unknown'}</strong>; rows
        after it in that chain cannot be trusted until it is explained.
      </div>
      <div className="pf-v6-u-mt-sm">
        {passed ? (
          <>
            The chains last held <Timestamp value={passed} relative />.
          </>
        ) : (
          'No verification has passed yet.'
        )}
      </div>
    </Alert>
  );
}

export function VerifyResult({ verify }: { verify: ReturnType<typeof useVerify> }) {
  const close = <AlertActionCloseButton onClose={verify.reset} />;
  if (verify.error) {
    return (
      <Alert isInline variant="danger" title="Could not verify the audit chain" actionClose={close}>
        {describeError(verify.error)}
      </Alert>
    );
  }
  if (!verify.data) return null;
  const t = verifyText(verify.data);
  return (
    <Alert isInline variant={verify.data.valid ? 'success' : 'danger'} title={t.title} actionClose={close}>
      {t.body}
    </Alert>
  );
}
