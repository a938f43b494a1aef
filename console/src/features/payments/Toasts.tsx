// Short-lived notices of the payments pages (an export finished or failed, a command done).
import { Alert, AlertActionCloseButton, AlertGroup } from '@patternfly/react-core';
import { useCallback, useState } from 'react';

export interface Toast {
  id: number;
  variant: 'success' | 'danger' | 'info';
  title: string;
  body?: string;
}

let next = 1;

export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => {
    setToasts((all) => all.filter((t) => t.id !== id));
  }, []);
  const push = useCallback((t: Omit<Toast, 'id'>) => {
    const id = next++;
    setToasts((all) => [...all, { ...t, id }]);
  }, []);
  return { toasts, push, dismiss };
}

export function Toasts({ toasts, dismiss }: { toasts: Toast[]; dismiss: (id: number) => void }) {
  return (
    <AlertGroup isToast isLiveRegion>
      {toasts.map((t) => (
        <Alert
          key={t.id}
          variant={t.variant}
          title={t.title}
          timeout={t.variant === 'danger' ? false : 8000}
          onTimeout={() => {
            dismiss(t.id);
          }}
          actionClose={
            <AlertActionCloseButton
              title={t.title}
              onClose={() => {
                dismiss(t.id);
              }}
            />
          }
        >
          {t.body}
        </Alert>
      ))}
    </AlertGroup>
  );
}
