// "Verify chain": asks the API to re-hash every audit chain and says whether it holds, or where it
// first breaks. Admins only (GET /api/v1/audit/verify).
import { Alert, AlertActionCloseButton } from '@patternfly/react-core';
import { useMutation } from '@tanstack/react-query';
import { GuardedButton } from '../../components/Guarded';
import { api, describeError } from '../../lib/api';
import { formatCount } from '../../lib/format';
import type { VerifyReport } from './types';

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

export function useVerify() {
  return useMutation({ mutationFn: () => api.get<VerifyReport>('/api/v1/audit/verify') });
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
