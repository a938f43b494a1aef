// Global search in the masthead: a payment id, a merchant or a payer. An exact payment id opens
// the payment; anything else lists what matched, and choosing one opens the payments explorer
// filtered by it. Backed by GET /api/v1/search.
import {
  Menu,
  MenuContent,
  MenuGroup,
  MenuItem,
  MenuList,
  Popper,
  SearchInput,
} from '@patternfly/react-core';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, describeError } from '../../lib/api';
import { formatMoney } from '../../lib/format';

interface SearchResult {
  payments: {
    id: string;
    merchant_id: string;
    payer_id: string;
    amount: number | string;
    currency: string;
    current_state: string;
  }[];
  merchants: { merchant_id: string; payments: number }[];
  payers: { payer_id: string; payments: number }[];
}

function Results({ q, onPick }: { q: string; onPick: (to: string) => void }) {
  const result = useQuery({
    queryKey: ['search', q],
    queryFn: ({ signal }) => api.get<SearchResult>('/api/v1/search', { q, limit: 5 }, signal),
    staleTime: 10_000,
  });
  if (result.isPending) return <MenuItem isDisabled>Searching…</MenuItem>;
  if (result.error) return <MenuItem isDisabled>{describeError(result.error)}</MenuItem>;
  const { payments, merchants, payers } = result.data;
  if (payments.length + merchants.length + payers.length === 0) {
    return <MenuItem isDisabled>No payment, merchant or payer matches “{q}”</MenuItem>;
  }
  return (
    <>
      {payments.length > 0 && (
        <MenuGroup label="Payments">
          <MenuList>
            {payments.map((p) => (
              <MenuItem
                key={p.id}
                itemId={`/payments/${p.id}`}
                description={`${p.merchant_id} · ${formatMoney(p.amount, p.currency)} · ${p.current_state}`}
              >
                {p.id}
              </MenuItem>
            ))}
          </MenuList>
        </MenuGroup>
      )}
      {merchants.length > 0 && (
        <MenuGroup label="Merchants">
          <MenuList>
            {merchants.map((m) => (
              <MenuItem
                key={m.merchant_id}
                itemId={`/payments?merchant_id=${encodeURIComponent(m.merchant_id)}`}
                description={`${String(m.payments)} payments`}
              >
                {m.merchant_id}
              </MenuItem>
            ))}
          </MenuList>
        </MenuGroup>
      )}
      {payers.length > 0 && (
        <MenuGroup label="Payers">
          <MenuList>
            {payers.map((p) => (
              <MenuItem
                key={p.payer_id}
                itemId={`/payments?payer_id=${encodeURIComponent(p.payer_id)}`}
                description={`${String(p.payments)} payments`}
              >
                {p.payer_id}
              </MenuItem>
            ))}
          </MenuList>
        </MenuGroup>
      )}
      <MenuGroup label="Everything">
        <MenuList>
          <MenuItem
            itemId={`/payments?q=${encodeURIComponent(q)}`}
            onClick={() => {
              onPick(`/payments?q=${encodeURIComponent(q)}`);
            }}
          >
            Search payments for “{q}”
          </MenuItem>
        </MenuList>
      </MenuGroup>
    </>
  );
}

export function GlobalSearch() {
  const navigate = useNavigate();
  const [value, setValue] = useState('');
  const [submitted, setSubmitted] = useState('');
  const [open, setOpen] = useState(false);
  const [used, setUsed] = useState(false);
  if (open && !used) setUsed(true);
  const inputRef = useRef<HTMLDivElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const pick = (to: string) => {
    setOpen(false);
    setValue('');
    void navigate(to);
  };
  const search = (
    <div ref={inputRef} style={{ minWidth: '14rem' }}>
      <SearchInput
        aria-label="Search payments, merchants and payers"
        placeholder="Payment id, merchant or payer"
        value={value}
        onChange={(_e, v) => {
          setValue(v);
          if (!v) setOpen(false);
        }}
        onSearch={(_e, v) => {
          const q = v.trim();
          if (q.length < 2) return;
          setSubmitted(q);
          setOpen(true);
        }}
        onClear={() => {
          setValue('');
          setOpen(false);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
          if (e.key === 'ArrowDown' && open)
            menuRef.current?.querySelector<HTMLElement>('button:not([disabled]), a')?.focus();
        }}
      />
    </div>
  );
  const menu = (
    <Menu
      ref={menuRef}
      onSelect={(_e, itemId) => {
        if (typeof itemId === 'string') pick(itemId);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          setOpen(false);
          inputRef.current?.querySelector('input')?.focus();
        }
      }}
    >
      <MenuContent>{open && submitted && <Results q={submitted} onPick={pick} />}</MenuContent>
    </Menu>
  );
  // The results' Popper is mounted at the first search (it reads the input's computed style on
  // every render, see LazyTooltip); the input itself stays where it is.
  return (
    <>
      {search}
      {used && (
        <Popper
          triggerRef={inputRef}
          popper={menu}
          popperRef={menuRef}
          isVisible={open}
          onDocumentClick={(e) => {
            if (
              !menuRef.current?.contains(e?.target as Node) &&
              !inputRef.current?.contains(e?.target as Node)
            )
              setOpen(false);
          }}
        />
      )}
    </>
  );
}
