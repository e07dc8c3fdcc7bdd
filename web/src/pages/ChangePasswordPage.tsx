import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import { useAuth, useUser } from '../auth/AuthContext';
import { ErrorAlert, Notice, fieldError } from '../components/ErrorAlert';
import { TextField } from '../components/Field';
import { Icon } from '../components/Icon';

export const MIN_PASSWORD_LENGTH = 12;

function PasswordForm({ onDone }: { onDone: () => void }) {
  const { setUser } = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<{ next?: string; confirm?: string; current?: string }>({});
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: typeof problems = {};
    if (!current) found.current = 'Enter your current password.';
    if (next.length < MIN_PASSWORD_LENGTH) found.next = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
    else if (next === current) found.next = 'Choose a password different from the current one.';
    if (confirm !== next) found.confirm = 'The two new passwords are not the same.';
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const answer = await api.changePassword(current, next);
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirm('');
      setUser(answer.user);
      onDone();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="form-narrow">
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={current}
        onValue={setCurrent}
        required
        error={problems.current ?? fieldError(error, 'currentPassword')}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={next}
        onValue={setNext}
        required
        minLength={MIN_PASSWORD_LENGTH}
        hint={`At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong one.`}
        error={problems.next ?? fieldError(error, 'newPassword')}
      />
      <TextField
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        value={confirm}
        onValue={setConfirm}
        required
        error={problems.confirm}
      />
      <ErrorAlert error={error} fields={['currentPassword', 'newPassword']} />
      {done ? <Notice>Your password has been changed.</Notice> : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Changing password…' : 'Change password'}
      </button>
    </form>
  );
}

/** Shown instead of the app while `user.mustChangePassword` is true. */
export function ForcedChangePasswordPage() {
  const user = useUser();
  const { signOut } = useAuth();
  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="upload" size={18} />
          </span>
          <span>Audience Uploader</span>
        </div>
        <h1 tabIndex={-1}>Set a new password</h1>
        <p className="muted">
          Signed in as <strong>{user.email}</strong>. Your account uses a one-time password: choose your own to
          continue.
        </p>
        <PasswordForm onDone={() => undefined} />
        <p className="auth-footer">
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </p>
      </main>
    </div>
  );
}

/** The voluntary change, from the top bar. */
export function AccountPasswordPage() {
  const navigate = useNavigate();
  return (
    <>
      <header className="page-header">
        <div>
          <h1 tabIndex={-1}>Your password</h1>
          <p className="page-description">Change the password you sign in with.</p>
        </div>
      </header>
      <section className="card">
        <PasswordForm onDone={() => window.setTimeout(() => navigate('/'), 1500)} />
      </section>
    </>
  );
}
