import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { Role, User } from '../api/types';
import { useUser } from '../auth/AuthContext';
import { ROLE_HELP, ROLE_LABELS } from '../auth/roles';
import { WordBadge } from '../components/Badges';
import { ErrorAlert, Notice, fieldError } from '../components/ErrorAlert';
import { SelectField, TextField } from '../components/Field';
import { Card, ConfirmButton, EmptyState, Loading, PageHeader, ShownOnce } from '../components/Misc';
import { formatDateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

const ONCE_WARNING =
  'This password is shown once and cannot be shown again. Copy it now and give it to the person through a safe channel; they must choose their own password when they first sign in.';

interface Secret {
  title: string;
  value: string;
}

function AddUser({ onAdded }: { onAdded: (user: User, oneTimePassword: string) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.createUser(email.trim(), role);
      setEmail('');
      onAdded(answer.user, answer.oneTimePassword);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="form-row">
      <TextField label="Email" type="email" autoComplete="off" value={email} onValue={setEmail} required error={fieldError(error, 'email')} />
      <SelectField label="Role" value={role} onValue={(value) => setRole(value as Role)} hint={ROLE_HELP[role]}>
        {ROLES.map((item) => (
          <option key={item} value={item}>
            {ROLE_LABELS[item]}
          </option>
        ))}
      </SelectField>
      <div className="form-row-action">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add user'}
        </button>
      </div>
      <ErrorAlert error={error} fields={['email']} title="The user was not added" className="form-row-full" />
    </form>
  );
}

export function UsersPage() {
  const me = useUser();
  const users = useLoad(() => api.users(), []);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [rowErrors, setRowErrors] = useState<Record<number, unknown>>({});
  const [busy, setBusy] = useState<Record<number, boolean>>({});
  const [message, setMessage] = useState<string | null>(null);

  const replace = (user: User) =>
    users.setData((previous) => ({ users: (previous?.users ?? []).map((item) => (item.id === user.id ? user : item)) }));

  const act = async (user: User, action: () => Promise<void>) => {
    setBusy((previous) => ({ ...previous, [user.id]: true }));
    setRowErrors((previous) => ({ ...previous, [user.id]: null }));
    setMessage(null);
    try {
      await action();
    } catch (error) {
      setRowErrors((previous) => ({ ...previous, [user.id]: error }));
    } finally {
      setBusy((previous) => ({ ...previous, [user.id]: false }));
    }
  };

  const changeRole = (user: User, role: Role) =>
    act(user, async () => {
      const answer = await api.updateUser(user.id, { role });
      replace(answer.user);
      setMessage(`${answer.user.email} is now ${ROLE_LABELS[answer.user.role].toLowerCase()}.`);
    });

  const setDisabled = (user: User, disabled: boolean) =>
    act(user, async () => {
      const answer = await api.updateUser(user.id, { disabled });
      replace(answer.user);
      setMessage(`${answer.user.email} is ${disabled ? 'disabled: they can no longer sign in' : 'enabled again'}.`);
    });

  const resetPassword = (user: User) =>
    act(user, async () => {
      const answer = await api.resetPassword(user.id);
      replace(answer.user);
      setSecret({ title: `New one-time password for ${answer.user.email}`, value: answer.oneTimePassword });
    });

  const list = users.data?.users ?? [];

  return (
    <>
      <PageHeader title="Users" description="Who can sign in, and what they may do." />
      {secret ? (
        <ShownOnce title={secret.title} value={secret.value} warning={ONCE_WARNING} testId="one-time-password" copyLabel="Copy password" onDone={() => setSecret(null)} />
      ) : null}
      <Card title="Add a user">
        <AddUser
          onAdded={(user, oneTimePassword) => {
            users.setData((previous) => ({ users: [...(previous?.users ?? []), user] }));
            setSecret({ title: `One-time password for ${user.email}`, value: oneTimePassword });
          }}
        />
        <ul className="role-help small muted">
          {ROLES.map((role) => (
            <li key={role}>
              <strong>{ROLE_LABELS[role]}</strong>: {ROLE_HELP[role]}
            </li>
          ))}
        </ul>
      </Card>
      {message ? <Notice>{message}</Notice> : null}
      <Card title="Users">
        <ErrorAlert error={users.error} />
        {users.loading && !users.data ? <Loading what="Loading users" /> : null}
        {users.data && list.length === 0 ? <EmptyState title="No users yet" /> : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Users</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Added</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((user) => {
                  const self = user.id === me.id;
                  const roleId = `role-${user.id}`;
                  return (
                    <tr key={user.id} className={user.disabledAt ? 'row-muted' : undefined}>
                      <th scope="row">
                        {user.email}
                        {self ? <span className="muted small"> (you)</span> : null}
                      </th>
                      <td>
                        <label htmlFor={roleId} className="sr-only">
                          Role for {user.email}
                        </label>
                        <select
                          id={roleId}
                          value={user.role}
                          disabled={busy[user.id] || self}
                          title={self ? 'You cannot change your own role' : undefined}
                          onChange={(event) => void changeRole(user, event.target.value as Role)}
                        >
                          {ROLES.map((role) => (
                            <option key={role} value={role}>
                              {ROLE_LABELS[role]}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        {user.disabledAt ? (
                          <WordBadge word="disabled" />
                        ) : user.mustChangePassword ? (
                          <span className="badge badge-tone-neutral">must change password</span>
                        ) : (
                          <span className="badge badge-tone-good">active</span>
                        )}
                      </td>
                      <td>{formatDateTime(user.createdAt)}</td>
                      <td>
                        <div className="button-row">
                          {user.disabledAt ? (
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Enable ${user.email}`}
                              disabled={busy[user.id]}
                              onClick={() => void setDisabled(user, false)}
                            >
                              Enable
                            </button>
                          ) : self ? null : (
                            <ConfirmButton text="Disable" label={`Disable ${user.email}`} need="admin" busy={busy[user.id]} onConfirm={() => void setDisabled(user, true)} />
                          )}
                          <ConfirmButton
                            text="Reset password"
                            label={`Reset password of ${user.email}`}
                            confirmText="Yes, reset it"
                            need="admin"
                            busy={busy[user.id]}
                            onConfirm={() => void resetPassword(user)}
                          />
                        </div>
                        <ErrorAlert error={rowErrors[user.id]} />
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
