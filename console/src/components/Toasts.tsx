// Short confirmations and failures of a page's actions, as PatternFly toasts (a live region, so
// screen readers hear them too). Failures stay until dismissed; the newest four are kept.
import { Alert, AlertActionCloseButton, AlertGroup } from '@patternfly/react-core';
import { useCallback, useState } from 'react';

export interface Toast {
  id: number;
  variant: 'success' | 'danger' | 'info' | 'warning';
  title: string;
  body?: string;
}

let counter = 0;

export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);
  const push = useCallback((toast: Omit<Toast, 'id'>) => {
    counter += 1;
    const id = counter;
    setToasts((list) => [...list.slice(-3), { ...toast, id }]);
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
          timeout={t.variant === 'danger' ? false : 6000}
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
