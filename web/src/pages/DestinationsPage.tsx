import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { ConnectionTest, Destination, Platform, PlatformId } from '../api/types';
import { useCan } from '../auth/AuthContext';
import { SandboxBadge } from '../components/Badges';
import { ErrorAlert, Notice, fieldError } from '../components/ErrorAlert';
import { Checkbox, SelectField, TextField } from '../components/Field';
import { Card, ConfirmButton, EmptyState, GuardedButton, Loading, PageHeader, ViewerNotice } from '../components/Misc';
import { formatDateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';

const SECRETS_NOTE =
  'Credentials are encrypted when saved and never shown again, not even to admins. To change them, use Rotate credentials.';

function CredentialInputs({
  platform,
  values,
  onValue,
  error,
  suffix = '',
}: {
  platform: Platform;
  values: Record<string, string>;
  onValue: (name: string, value: string) => void;
  error: unknown;
  suffix?: string;
}) {
  return (
    <>
      {platform.credentialFields.map((field) => (
        <TextField
          key={field.name}
          label={`${field.label}${suffix}`}
          type={field.secret ? 'password' : 'text'}
          autoComplete={field.secret ? 'new-password' : 'off'}
          spellCheck={false}
          value={values[field.name] ?? ''}
          onValue={(value) => onValue(field.name, value)}
          required={field.required}
          hint={field.required ? undefined : 'Optional.'}
          error={fieldError(error, field.name)}
        />
      ))}
    </>
  );
}

function AddDestination({ platforms, onAdded }: { platforms: Platform[]; onAdded: (destination: Destination) => void }) {
  const [name, setName] = useState('');
  const [platformId, setPlatformId] = useState<string>(platforms[0]?.id ?? '');
  const [credentials, setCredentials] = useState<Record<string, string>>({});
  const [settings, setSettings] = useState<Record<string, string>>({});
  const [skipTest, setSkipTest] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const platform = platforms.find((item) => item.id === platformId);

  // settings start at their defaults; credentials start empty
  useEffect(() => {
    setCredentials({});
    const defaults: Record<string, string> = {};
    for (const field of platform?.settingFields ?? []) defaults[field.name] = field.default ?? '';
    setSettings(defaults);
  }, [platform]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!platform) return;
    const missing = [
      ...(!name.trim() ? ['Name'] : []),
      ...platform.credentialFields.filter((field) => field.required && !credentials[field.name]?.trim()).map((field) => field.label),
      ...platform.settingFields.filter((field) => field.required && !settings[field.name]?.trim()).map((field) => field.label),
    ];
    if (missing.length > 0) {
      setProblem(`Fill in: ${missing.join(', ')}.`);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const filled = (record: Record<string, string>) =>
        Object.fromEntries(Object.entries(record).filter(([, value]) => value.trim() !== '').map(([key, value]) => [key, value.trim()]));
      const answer = await api.createDestination(
        { name: name.trim(), platform: platform.id as PlatformId, credentials: filled(credentials), settings: filled(settings) },
        skipTest,
      );
      setName('');
      setCredentials({});
      onAdded(answer.destination);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  const bound = ['name', ...(platform?.credentialFields.map((f) => f.name) ?? []), ...(platform?.settingFields.map((f) => f.name) ?? [])];

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="form-grid">
      <TextField label="Name" value={name} onValue={setName} required hint="How people will pick it, e.g. “TikTok main”." error={fieldError(error, 'name')} />
      <SelectField label="Platform" value={platformId} onValue={setPlatformId}>
        {platforms.map((item) => (
          <option key={item.id} value={item.id}>
            {item.label}
          </option>
        ))}
      </SelectField>
      {platform ? (
        <>
          <fieldset className="fieldset">
            <legend>Credentials</legend>
            <CredentialInputs
              platform={platform}
              values={credentials}
              onValue={(field, value) => setCredentials((previous) => ({ ...previous, [field]: value }))}
              error={error}
            />
          </fieldset>
          {platform.settingFields.length > 0 ? (
            <fieldset className="fieldset">
              <legend>Settings</legend>
              {platform.settingFields.map((field) => (
                <TextField
                  key={field.name}
                  label={field.label}
                  value={settings[field.name] ?? ''}
                  onValue={(value) => setSettings((previous) => ({ ...previous, [field.name]: value }))}
                  required={field.required}
                  hint={field.default !== undefined ? `Default: ${field.default}` : field.required ? undefined : 'Optional.'}
                  error={fieldError(error, field.name)}
                />
              ))}
            </fieldset>
          ) : null}
        </>
      ) : null}
      <Checkbox
        label="Skip the connection test"
        checked={skipTest}
        onChecked={setSkipTest}
        hint="Normally the credentials are tried with the platform first, and nothing is saved if it refuses them."
      />
      <p className="field-hint">{SECRETS_NOTE}</p>
      {problem ? (
        <p className="alert alert-error" role="alert">
          {problem}
        </p>
      ) : null}
      <ErrorAlert error={error} fields={bound} title="The destination was not saved" />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? (skipTest ? 'Saving…' : 'Testing the connection…') : 'Add destination'}
        </button>
      </div>
    </form>
  );
}

function RotateCredentials({ destination, platform, onDone, onClose }: {
  destination: Destination;
  platform: Platform;
  onDone: (destination: Destination) => void;
  onClose: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const credentials = Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ''));
      const answer = await api.rotateCredentials(destination.id, credentials);
      onDone(answer.destination);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="rotate-form" aria-labelledby={`rotate-${destination.id}`}>
      <h3 id={`rotate-${destination.id}`} className="subheading">
        New credentials for {destination.name}
      </h3>
      <p className="field-hint">They are tested with the platform first; the current ones stay if the test fails. {SECRETS_NOTE}</p>
      <CredentialInputs
        platform={platform}
        values={values}
        onValue={(field, value) => setValues((previous) => ({ ...previous, [field]: value }))}
        error={error}
        suffix=" (new)"
      />
      <ErrorAlert error={error} fields={platform.credentialFields.map((field) => field.name)} title="The credentials were not changed" />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Testing and saving…' : 'Save new credentials'}
        </button>
        <button type="button" className="button" onClick={onClose}>
          Keep the current ones
        </button>
      </div>
    </form>
  );
}

type TestOutcome = { ok: true; result: ConnectionTest } | { ok: false; error: unknown };

export function DestinationsPage() {
  const isAdmin = useCan('admin');
  const destinations = useLoad(() => api.destinations(), []);
  const platforms = useLoad(() => api.platforms(), []);
  const [adding, setAdding] = useState(false);
  const [rotating, setRotating] = useState<number | null>(null);
  const [tests, setTests] = useState<Record<number, TestOutcome | 'testing'>>({});
  const [removeErrors, setRemoveErrors] = useState<Record<number, unknown>>({});
  const [message, setMessage] = useState<string | null>(null);

  const test = async (destination: Destination) => {
    setTests((previous) => ({ ...previous, [destination.id]: 'testing' }));
    try {
      const result = await api.testDestination(destination.id);
      setTests((previous) => ({ ...previous, [destination.id]: { ok: true, result } }));
    } catch (error) {
      setTests((previous) => ({ ...previous, [destination.id]: { ok: false, error } }));
    }
  };

  const remove = async (destination: Destination) => {
    setRemoveErrors((previous) => ({ ...previous, [destination.id]: null }));
    try {
      await api.removeDestination(destination.id);
      setMessage(`Removed ${destination.name}.`);
      destinations.setData((previous) => ({
        destinations: (previous?.destinations ?? []).filter((item) => item.id !== destination.id),
      }));
    } catch (error) {
      setRemoveErrors((previous) => ({ ...previous, [destination.id]: error }));
    }
  };

  const list = destinations.data?.destinations ?? [];
  const platformOf = (destination: Destination) => platforms.data?.platforms.find((item) => item.id === destination.platform);

  return (
    <>
      <PageHeader
        title="Destinations"
        description="The ad accounts uploads go to. A sandbox is the platform's test double: nothing reaches real audiences."
        actions={
          isAdmin && !adding ? (
            <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
              Add a destination
            </button>
          ) : null
        }
      />
      <ViewerNotice />
      {message ? <Notice>{message}</Notice> : null}
      {isAdmin && adding ? (
        <Card title="Add a destination" actions={<button type="button" className="button button-small" onClick={() => setAdding(false)}>Close</button>}>
          <ErrorAlert error={platforms.error} />
          {platforms.data ? (
            <AddDestination
              platforms={platforms.data.platforms}
              onAdded={(destination) => {
                setAdding(false);
                setMessage(`Added ${destination.name}. ${SECRETS_NOTE}`);
                destinations.setData((previous) => ({ destinations: [...(previous?.destinations ?? []), destination] }));
              }}
            />
          ) : (
            <Loading what="Loading the platforms" />
          )}
        </Card>
      ) : null}
      <Card>
        <ErrorAlert error={destinations.error} />
        {destinations.loading && !destinations.data ? <Loading what="Loading destinations" /> : null}
        {destinations.data && list.length === 0 ? (
          <EmptyState title="No destinations yet">
            {isAdmin ? 'Add one with “Add a destination”: a TikTok advertiser or a Meta ad account, with its access token.' : 'An admin adds destinations; ask one to add your ad account.'}
          </EmptyState>
        ) : null}
        {list.length > 0 ? (
          <ul className="destination-list">
            {list.map((destination) => {
              const outcome = tests[destination.id];
              const platform = platformOf(destination);
              return (
                <li key={destination.id} className="destination">
                  <div className="destination-main">
                    <div>
                      <h2 className="destination-name">
                        {destination.name} {destination.sandbox ? <SandboxBadge /> : null}
                      </h2>
                      <p className="muted small">
                        {destination.platformLabel} · account <span className="mono">{destination.account}</span> · updated{' '}
                        {formatDateTime(destination.updatedAt)}
                      </p>
                      <p className="small">
                        Credentials set:{' '}
                        {destination.credentialFields.length > 0 ? destination.credentialFields.join(', ') : 'none (taken from the workers’ environment)'}
                        <span className="muted"> — values are never shown.</span>
                      </p>
                    </div>
                    <div className="button-row">
                      <GuardedButton
                        className="button button-small"
                        aria-label={`Test connection of ${destination.name}`}
                        onClick={() => void test(destination)}
                        disabled={outcome === 'testing'}
                      >
                        {outcome === 'testing' ? 'Testing…' : 'Test connection'}
                      </GuardedButton>
                      {isAdmin ? (
                        <>
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`Rotate credentials of ${destination.name}`}
                            aria-expanded={rotating === destination.id}
                            onClick={() => setRotating(rotating === destination.id ? null : destination.id)}
                            disabled={!platform}
                          >
                            Rotate credentials
                          </button>
                          <ConfirmButton
                            text="Remove"
                            label={`Remove ${destination.name}`}
                            need="admin"
                            onConfirm={() => void remove(destination)}
                          />
                        </>
                      ) : null}
                    </div>
                  </div>
                  {outcome && outcome !== 'testing' ? (
                    outcome.ok ? (
                      <Notice>
                        Connected to account <span className="mono">{outcome.result.account}</span>
                        {outcome.result.message ? `: ${outcome.result.message}` : '.'}
                      </Notice>
                    ) : (
                      <ErrorAlert error={outcome.error} title="The connection test failed" />
                    )
                  ) : null}
                  <ErrorAlert error={removeErrors[destination.id]} title={`Could not remove ${destination.name}`} />
                  {rotating === destination.id && platform ? (
                    <RotateCredentials
                      destination={destination}
                      platform={platform}
                      onClose={() => setRotating(null)}
                      onDone={(updated) => {
                        setRotating(null);
                        setMessage(`New credentials saved for ${updated.name}. ${SECRETS_NOTE}`);
                        destinations.setData((previous) => ({
                          destinations: (previous?.destinations ?? []).map((item) => (item.id === updated.id ? updated : item)),
                        }));
                      }}
                    />
                  ) : null}
                </li>
              );
            })}
          </ul>
        ) : null}
      </Card>
    </>
  );
}
