// Where the API sends the browser after signing in with Google (or any OIDC issuer): the refresh
// cookie is already set, so one silent refresh gives the first access token.
import { Bullseye, Spinner } from '@patternfly/react-core';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router';
import { useAuth } from '../../lib/auth';

export default function OAuthCallbackPage() {
  const { resume } = useAuth();
  const navigate = useNavigate();
  const once = useRef(false);
  useEffect(() => {
    if (once.current) return;
    once.current = true;
    resume()
      .then((ok) => {
        void navigate(
          ok ? '/' : '/login?error=Sign-in%20with%20your%20identity%20provider%20did%20not%20complete.',
          {
            replace: true,
          },
        );
      })
      .catch(() => void navigate('/login', { replace: true }));
  }, [resume, navigate]);
  return (
    <Bullseye style={{ minHeight: '100vh' }}>
      <Spinner aria-label="Finishing sign-in" />
    </Bullseye>
  );
}
