// The frame of the pages outside the console's shell: sign-in, accepting an invitation, the
// first admin's setup and the page of an account waiting for approval.
import { LoginPage as PfLoginPage } from '@patternfly/react-core';
import type { ReactNode } from 'react';
import { ThemeToggle } from '../../app/shell/ThemeToggle';
import { useLocalTheme } from '../../lib/preferences';

export function AccessLayout({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle: string;
  children: ReactNode;
}) {
  const [theme, setTheme] = useLocalTheme();
  return (
    <PfLoginPage
      brandImgSrc="/favicon.svg"
      brandImgProps={{ alt: 'PayFlow', width: 48, height: 48 }}
      loginTitle={title}
      loginSubtitle={subtitle}
      textContent="PayFlow is the payments control plane: every payment, the events that move it, the rules that watch it and the alerts they raise."
      footerListItems={
        <li>
          <ThemeToggle theme={theme} onChange={setTheme} />
        </li>
      }
    >
      {children}
    </PfLoginPage>
  );
}
