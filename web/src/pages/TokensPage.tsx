import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { ApiToken } from '../api/types';
import { ErrorAlert, Notice, fieldError } from '../components/ErrorAlert';
import { TextField } from '../components/Field';
import { Card, ConfirmButton, EmptyState, Loading, PageHeader, ShownOnce } from '../components/Misc';
import { formatDateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';

const ONCE_WARNING =
  'This token is shown once and cannot be shown again. Copy it now and keep it like a password: it acts as you, with your role.';

function tokenStatus(token: ApiToken): { word: string; tone: string } {
  if (token.revokedAt) return { word: 'revoked', tone: 'muted' };
  if (token.expiresAt && new Date(token.expiresAt).getTime() < Date.now()) return { word: 'expired', tone: 'muted' };
  return { word: 'active', tone: 'good' };
}

/** The signed-in user's own API tokens for scripts (Authorization: Bearer au_...). */
export function TokensPage() {
  const tokens = useLoad(() => api.tokens(), []);
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [rowErrors, setRowErrors] = useState<Record<number, unknown>>({});
  const [message, setMessage] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    const trimmedDays = days.trim();
    const expiresInDays = trimmedDays === '' ? undefined : Number(trimmedDays);
    if (!name.trim()) {
      setProblem('Give the token a name, such as the script that will use it.');
      return;
    }
    if (expiresInDays !== undefined && (!Number.isInteger(expiresInDays) || expiresInDays < 1)) {
      setProblem('Expiry: a whole number of days, 1 or more, or empty for a token that does not expire.');
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const answer = await api.createToken(name.trim(), expiresInDays);
      setCreated({ name: answer.name, token: answer.token });
      setName('');
      tokens.reload();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (token: ApiToken) => {
    setRowErrors((previous) => ({ ...previous, [token.id]: null }));
    try {
      await api.revokeToken(token.id);
      setMessage(`Revoked ${token.name}: scripts using it are refused from now on.`);
      tokens.reload();
    } catch (reason) {
      setRowErrors((previous) => ({ ...previous, [token.id]: reason }));
    }
  };

  const list = tokens.data?.tokens ?? [];

  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            Tokens let scripts call the API as you: send <code>Authorization: Bearer au_…</code>. The API is described at{' '}
            <a href="/api/docs">/api/docs</a>.
          </>
        }
      />
      {created ? (
        <ShownOnce title={`Your new token “${created.name}”`} value={created.token} warning={ONCE_WARNING} testId="new-token" copyLabel="Copy token" onDone={() => setCreated(null)} />
      ) : null}
      <Card title="Create a token">
        <form onSubmit={(event) => void create(event)} noValidate className="form-row">
          <TextField label="Token name" value={name} onValue={setName} required placeholder="nightly-export" error={fieldError(error, 'name')} />
          <TextField
            label="Expires in days"
            type="number"
            inputMode="numeric"
            min={1}
            value={days}
            onValue={setDays}
            hint="Empty: never expires."
            className="input-short"
            error={fieldError(error, 'expiresInDays')}
          />
          <div className="form-row-action">
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create token'}
            </button>
          </div>
          {problem ? (
            <p className="alert alert-error form-row-full" role="alert">
              {problem}
            </p>
          ) : null}
          <ErrorAlert error={error} fields={['name', 'expiresInDays']} className="form-row-full" />
        </form>
      </Card>
      {message ? <Notice>{message}</Notice> : null}
      <Card title="Your tokens">
        <ErrorAlert error={tokens.error} />
        {tokens.loading && !tokens.data ? <Loading what="Loading tokens" /> : null}
        {tokens.data && list.length === 0 ? <EmptyState title="No tokens yet">Create one above for each script that calls the API.</EmptyState> : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Your API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((token) => {
                  const status = tokenStatus(token);
                  return (
                    <tr key={token.id} className={status.word === 'active' ? undefined : 'row-muted'}>
                      <th scope="row">{token.name}</th>
                      <td>
                        <span className={`badge badge-tone-${status.tone}`}>{status.word}</span>
                      </td>
                      <td>{formatDateTime(token.createdAt)}</td>
                      <td>{token.expiresAt ? formatDateTime(token.expiresAt) : 'never'}</td>
                      <td>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'never'}</td>
                      <td>
                        {token.revokedAt ? null : (
                          <ConfirmButton text="Revoke" label={`Revoke ${token.name}`} need="viewer" onConfirm={() => void revoke(token)} />
                        )}
                        <ErrorAlert error={rowErrors[token.id]} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
    </>
  );
}
