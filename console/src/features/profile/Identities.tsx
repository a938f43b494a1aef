// Linked sign-in identities: Google (or the configured OpenID Connect issuer) accounts linked to
// this one by verified email, and how to link one when none is.
import {
  DataList,
  DataListCell,
  DataListItem,
  DataListItemCells,
  DataListItemRow,
  Content,
  Label,
  Skeleton,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import { useQuery } from '@tanstack/react-query';
import { ErrorState } from '../../components/ErrorState';
import { Timestamp } from '../../components/Timestamp';
import { api } from '../../lib/api';

interface Identity {
  provider: string;
  issuer: string;
  email: string;
  linked_at: string;
}

interface Providers {
  oidc: { id: string; name: string }[];
}

function providerName(id: string, providers: Providers | undefined): string {
  return providers?.oidc.find((p) => p.id === id)?.name ?? (id === 'google' ? 'Google' : id);
}

function NoneLinked({ providers, email }: { providers: Providers | undefined; email: string }) {
  const configured = providers?.oidc[0];
  if (!configured)
    return (
      <Content component="p" className="payflow-profile-muted">
        No identity provider is configured on this server: you sign in with your email and password.
      </Content>
    );
  return (
    <Content component="p" className="payflow-profile-muted">
      No {configured.name} account is linked. Choose “Sign in with {configured.name}” on the sign-in page with
      the {configured.name} account of <strong>{email}</strong> (a verified address): it is linked the first
      time.
    </Content>
  );
}

export function Identities({ email }: { email: string }) {
  const identities = useQuery({
    queryKey: ['me', 'identities'],
    queryFn: ({ signal }) => api.get<{ data: Identity[] }>('/api/v1/users/me/identities', undefined, signal),
  });
  const providers = useQuery({
    queryKey: ['auth-providers'],
    queryFn: ({ signal }) => api.get<Providers>('/api/v1/auth/providers', undefined, signal),
    staleTime: Infinity,
  });
  if (identities.isPending) return <Skeleton height="3rem" screenreaderText="Loading linked identities" />;
  if (identities.error)
    return (
      <ErrorState
        error={identities.error}
        onRetry={() => void identities.refetch()}
        title="Could not load linked identities"
      />
    );
  const list = identities.data.data;
  if (list.length === 0) return <NoneLinked providers={providers.data} email={email} />;
  return (
    <DataList aria-label="Linked identities" isCompact>
      {list.map((i) => (
        <DataListItem key={`${i.issuer} ${i.email}`}>
          <DataListItemRow>
            <DataListItemCells
              dataListCells={[
                <DataListCell key="provider">
                  <Label status="success" icon={<CheckCircleIcon />}>
                    {providerName(i.provider, providers.data)}
                  </Label>
                </DataListCell>,
                <DataListCell key="email">{i.email}</DataListCell>,
                <DataListCell key="linked">
                  Linked <Timestamp value={i.linked_at} />
                </DataListCell>,
              ]}
            />
          </DataListItemRow>
        </DataListItem>
      ))}
    </DataList>
  );
}
