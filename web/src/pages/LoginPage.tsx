import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { AuthConfig } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorAlert, fieldError } from '../components/ErrorAlert';
import { TextField } from '../components/Field';
import { Icon } from '../components/Icon';

/** Longest OpenID Connect message shown: the text comes from the address, which anyone can write a link to. */
const MAX_SSO_ERROR = 300;

/**
 * Sign in with email and password, or with the identity provider when OIDC is on. A failed OpenID Connect sign-in
 * comes back as /login?error=<message> (routes/auth.ts); it is shown, as text, until the next attempt.
 */
export function LoginPage({ notice }: { notice: string | null }) {
  const { signIn } = useAuth();
  const [params, setParams] = useSearchParams();
  const ssoError = params.get('error')?.trim().slice(0, MAX_SSO_ERROR) || null;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus();
    api.authConfig().then(setConfig, () => setConfig(null));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    if (ssoError) {
      // a new attempt: the old single sign-on failure no longer applies (and must not come back after signing out)
      const next = new URLSearchParams(params);
      next.delete('error');
      setParams(next, { replace: true });
    }
    try {
      await signIn(email.trim(), password);
    } catch (reason) {
      setError(reason);
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="upload" size={18} />
          </span>
          <span>Audience Uploader</span>
        </div>
        <h1 ref={headingRef} tabIndex={-1}>
          Sign in
        </h1>
        {notice ? (
          <p className="alert alert-warning" role="alert">
            {notice}
          </p>
        ) : null}
        {ssoError ? (
          <p className="alert alert-error" role="alert">
            Single sign-on did not succeed: {ssoError}
          </p>
        ) : null}
        <form onSubmit={(event) => void submit(event)} noValidate>
          <TextField
            label="Email"
            type="email"
            autoComplete="username"
            value={email}
            onValue={setEmail}
            required
            error={fieldError(error, 'email')}
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onValue={setPassword}
            required
            error={fieldError(error, 'password')}
          />
          <ErrorAlert error={error} fields={['email', 'password']} />
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        {config?.oidc.enabled ? (
          <>
            <p className="auth-or">
              <span>or</span>
            </p>
            <a className="button button-block" href={api.oidcLoginUrl}>
              Sign in with {config.oidc.label || 'your identity provider'}
            </a>
          </>
        ) : null}
      </main>
    </div>
  );
}
