import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { Dataset, Destination, Job, Platform, Schedule, UploadMode } from '../api/types';
import { useCan } from '../auth/AuthContext';
import { StateBadge } from '../components/Badges';
import { ErrorAlert, Notice, fieldError } from '../components/ErrorAlert';
import { SelectField, TextField } from '../components/Field';
import { Card, ConfirmButton, EmptyState, GuardedButton, Loading, PageHeader, ViewerNotice } from '../components/Misc';
import { formatDateTime, formatRelative } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { MODE_HELP, isCountryCode, mappingList, normalizeCountry } from '../wizard/state';

const ALL_MODES: UploadMode[] = ['mirror', 'append', 'remove', 'replace'];

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function CreateSchedule({ datasets, destinations, platforms, onCreated }: {
  datasets: Dataset[];
  destinations: Destination[];
  platforms: Platform[];
  onCreated: (schedule: Schedule) => void;
}) {
  const [name, setName] = useState('');
  const [cron, setCron] = useState('0 3 * * *');
  const [timezone, setTimezone] = useState(browserTimeZone());
  const [datasetId, setDatasetId] = useState('');
  const [destinationId, setDestinationId] = useState('');
  const [audienceName, setAudienceName] = useState('');
  const [mode, setMode] = useState<UploadMode>('mirror');
  const [country, setCountry] = useState('');
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [mappingSource, setMappingSource] = useState<'saved' | 'suggested' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const dataset = datasets.find((item) => String(item.id) === datasetId);
  const destination = destinations.find((item) => String(item.id) === destinationId);
  const platform = platforms.find((item) => item.id === destination?.platform);
  const modes = platform?.modes?.length ? ALL_MODES.filter((item) => platform.modes.includes(item)) : ALL_MODES;

  // the mapping: the saved one for these columns and platform, else the suggestions
  useEffect(() => {
    if (!dataset || !platform) {
      setMapping({});
      setMappingSource(null);
      return;
    }
    let cancelled = false;
    const supported = new Set(platform.identifierTypes.map((item) => item.type));
    const fromSuggestions = () => {
      const next: Record<string, string> = {};
      for (const column of dataset.columns) {
        const type = column.suggestion?.type;
        next[column.name] = type && supported.has(type) ? type : '';
      }
      return next;
    };
    api.savedMapping(dataset.id, platform.id).then(
      (answer) => {
        if (cancelled) return;
        if (answer.mapping) {
          const next: Record<string, string> = {};
          for (const column of dataset.columns) next[column.name] = '';
          for (const item of answer.mapping.mappings) if (item.column in next && supported.has(item.type)) next[item.column] = item.type;
          setMapping(next);
          setMappingSource('saved');
        } else {
          setMapping(fromSuggestions());
          setMappingSource('suggested');
        }
      },
      () => {
        if (cancelled) return;
        setMapping(fromSuggestions());
        setMappingSource('suggested');
      },
    );
    return () => {
      cancelled = true;
    };
  }, [dataset, platform]);

  useEffect(() => {
    if (!modes.includes(mode) && modes[0]) setMode(modes[0]);
  }, [modes, mode]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const mappings = mappingList(mapping);
    const code = normalizeCountry(country);
    const missing: string[] = [];
    if (!name.trim()) missing.push('a name');
    if (!cron.trim()) missing.push('a cron expression');
    if (!dataset) missing.push('a dataset');
    if (!destination) missing.push('a destination');
    if (!audienceName.trim()) missing.push('an audience name');
    if (missing.length > 0) {
      setProblem(`Give ${missing.join(', ')}.`);
      return;
    }
    if (mappings.length === 0) {
      setProblem('Map at least one column to an identifier.');
      return;
    }
    if (code && !isCountryCode(code)) {
      setProblem('Default country: a two-letter code such as US.');
      return;
    }
    if (platform && audienceName.trim().length > platform.audienceNameMaxLength) {
      setProblem(`${platform.label} allows audience names of at most ${platform.audienceNameMaxLength} characters.`);
      return;
    }
    setProblem(null);
    if (!dataset || !destination) return;
    setBusy(true);
    try {
      const answer = await api.createSchedule({
        name: name.trim(),
        cron: cron.trim(),
        timezone: timezone.trim() || undefined,
        upload: {
          datasetId: dataset.id,
          destinationId: destination.id,
          audience: { name: audienceName.trim() },
          mode,
          mappings,
          ...(code ? { defaultCountry: code } : {}),
        },
      });
      setName('');
      onCreated(answer.schedule);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="form-grid">
      <TextField label="Schedule name" value={name} onValue={setName} required placeholder="nightly-foodies" error={fieldError(error, 'name')} />
      <div className="form-pair">
        <TextField
          label="Cron expression"
          value={cron}
          onValue={setCron}
          required
          spellCheck={false}
          className="mono"
          hint={<>Five fields (minute hour day month weekday) or @daily, @hourly… <code>0 3 * * *</code> is every day at 03:00.</>}
          error={fieldError(error, 'cron')}
        />
        <TextField label="Time zone" value={timezone} onValue={setTimezone} hint="An IANA name, e.g. Europe/Paris or UTC." error={fieldError(error, 'timezone')} />
      </div>
      <div className="form-pair">
        <SelectField label="Dataset" value={datasetId} onValue={setDatasetId} hint="The files the schedule reads on each run. Make one in New upload.">
          <option value="">Choose a dataset</option>
          {datasets.map((item) => (
            <option key={item.id} value={String(item.id)}>
              {item.name} ({item.files} file{item.files === 1 ? '' : 's'})
            </option>
          ))}
        </SelectField>
        <SelectField label="Destination" value={destinationId} onValue={setDestinationId}>
          <option value="">Choose a destination</option>
          {destinations.map((item) => (
            <option key={item.id} value={String(item.id)}>
              {item.name} — {item.platformLabel}
              {item.sandbox ? ' (Sandbox)' : ''}
            </option>
          ))}
        </SelectField>
      </div>
      <div className="form-pair">
        <TextField label="Audience name" value={audienceName} onValue={setAudienceName} required hint="Reused on every run; created on the first." />
        <SelectField label="Mode" value={mode} onValue={(value) => setMode(value as UploadMode)} hint={MODE_HELP[mode]}>
          {modes.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
        </SelectField>
      </div>
      <TextField
        label="Default country"
        value={country}
        onValue={(value) => setCountry(value.toUpperCase())}
        maxLength={2}
        className="input-short"
        hint="Optional two-letter code for rows without a country."
      />
      {dataset && platform ? (
        <fieldset className="fieldset">
          <legend>Columns</legend>
          {mappingSource === 'saved' ? <p className="small">Using your saved mapping for these columns.</p> : null}
          {mappingSource === 'suggested' ? <p className="small muted">Pre-filled from the suggestions; check them.</p> : null}
          <div className="mapping-grid">
            {dataset.columns.map((column) => {
              const id = `schedule-identifier-${column.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
              return (
                <div key={column.name} className="mapping-item">
                  <label htmlFor={id}>
                    Identifier for <span className="mono">{column.name}</span>
                  </label>
                  <select id={id} value={mapping[column.name] ?? ''} onChange={(event) => setMapping((previous) => ({ ...previous, [column.name]: event.target.value }))}>
                    <option value="">Not used</option>
                    {platform.identifierTypes.map((item) => (
                      <option key={item.type} value={item.type}>
                        {item.label}
                      </option>
                    ))}
                  </select>
                </div>
              );
            })}
          </div>
        </fieldset>
      ) : (
        <p className="muted small">Choose a dataset and a destination to map the columns.</p>
      )}
      {problem ? (
        <p className="alert alert-error" role="alert">
          {problem}
        </p>
      ) : null}
      <ErrorAlert error={error} fields={['name', 'cron', 'timezone']} title="The schedule was not created" />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create schedule'}
        </button>
      </div>
    </form>
  );
}

/** The next run as the schedule reads it (its own time zone), beside the local time the table shows. */
function inZone(iso: string, timeZone: string): string {
  try {
    const text = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
    return `${text} in ${timeZone}`;
  } catch {
    return iso;
  }
}

export function SchedulesPage() {
  const canOperate = useCan('operator');
  const schedules = useLoad(() => api.schedules(), []);
  const [creating, setCreating] = useState(false);
  const datasets = useLoad(() => (creating ? api.datasets() : Promise.resolve({ datasets: [] as Dataset[] })), [creating]);
  const destinations = useLoad(() => (creating ? api.destinations() : Promise.resolve({ destinations: [] as Destination[] })), [creating]);
  const platforms = useLoad(() => (creating ? api.platforms() : Promise.resolve({ platforms: [] as Platform[] })), [creating]);
  const [runs, setRuns] = useState<Record<number, Job | 'running'>>({});
  const [rowErrors, setRowErrors] = useState<Record<number, unknown>>({});
  const [message, setMessage] = useState<string | null>(null);

  const runNow = async (schedule: Schedule) => {
    setRuns((previous) => ({ ...previous, [schedule.id]: 'running' }));
    setRowErrors((previous) => ({ ...previous, [schedule.id]: null }));
    try {
      const answer = await api.runSchedule(schedule.id);
      setRuns((previous) => ({ ...previous, [schedule.id]: answer.job }));
      schedules.reload();
    } catch (error) {
      setRuns((previous) => {
        const next = { ...previous };
        delete next[schedule.id];
        return next;
      });
      setRowErrors((previous) => ({ ...previous, [schedule.id]: error }));
    }
  };

  const remove = async (schedule: Schedule) => {
    setRowErrors((previous) => ({ ...previous, [schedule.id]: null }));
    try {
      await api.deleteSchedule(schedule.id);
      setMessage(`Deleted the schedule ${schedule.name}.`);
      schedules.setData((previous) => ({ schedules: (previous?.schedules ?? []).filter((item) => item.id !== schedule.id) }));
    } catch (error) {
      setRowErrors((previous) => ({ ...previous, [schedule.id]: error }));
    }
  };

  const list = schedules.data?.schedules ?? [];
  const formError = datasets.error ?? destinations.error ?? platforms.error;
  const formReady = datasets.data && destinations.data && platforms.data && !datasets.loading && !destinations.loading && !platforms.loading;

  return (
    <>
      <PageHeader
        title="Schedules"
        description="Uploads that run by themselves on a cron expression. Mirror mode keeps an audience equal to the latest export, sending only the changes."
        actions={
          !creating ? (
            <GuardedButton className="button button-primary" onClick={() => setCreating(true)}>
              New schedule
            </GuardedButton>
          ) : null
        }
      />
      <ViewerNotice />
      {message ? <Notice>{message}</Notice> : null}
      {creating && canOperate ? (
        <Card title="New schedule" actions={<button type="button" className="button button-small" onClick={() => setCreating(false)}>Close</button>}>
          <ErrorAlert error={formError} />
          {formReady && datasets.data && destinations.data && platforms.data ? (
            datasets.data.datasets.length === 0 ? (
              <EmptyState title="No datasets yet" action={<Link to="/upload" className="button">New upload</Link>}>
                A schedule reads a dataset: select its files in New upload first (you can stop after the first step).
              </EmptyState>
            ) : (
              <CreateSchedule
                datasets={datasets.data.datasets}
                destinations={destinations.data.destinations}
                platforms={platforms.data.platforms}
                onCreated={(schedule) => {
                  setCreating(false);
                  setMessage(`Created the schedule ${schedule.name}.`);
                  schedules.reload();
                }}
              />
            )
          ) : formError ? null : (
            <Loading />
          )}
        </Card>
      ) : null}
      <Card>
        <ErrorAlert error={schedules.error} />
        {schedules.loading && !schedules.data ? <Loading what="Loading schedules" /> : null}
        {schedules.data && list.length === 0 ? (
          <EmptyState title="No schedules yet">{canOperate ? 'Create one with “New schedule”.' : 'Operators create schedules.'}</EmptyState>
        ) : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Schedules</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">When</th>
                  <th scope="col">Destination and audience</th>
                  <th scope="col">Mode</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Next run</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((schedule) => {
                  const run = runs[schedule.id];
                  return (
                    <tr key={schedule.id} className={schedule.enabled ? undefined : 'row-muted'}>
                      <th scope="row">
                        {schedule.name}
                        {schedule.enabled ? null : <span className="badge badge-tone-muted">off</span>}
                      </th>
                      <td>
                        <code>{schedule.cron}</code> <span className="muted small">{schedule.timezone}</span>
                      </td>
                      <td>
                        {schedule.destinationName ?? 'workers’ environment'}
                        <br />
                        <span className="small">{schedule.audienceName ?? '—'}</span>
                      </td>
                      <td>{schedule.mode}</td>
                      <td>
                        {schedule.lastJob ? (
                          <>
                            <Link to={`/jobs/${schedule.lastJob.id}`}>{formatRelative(schedule.lastJob.createdAt)}</Link>{' '}
                            <StateBadge state={schedule.lastJob.state} />
                          </>
                        ) : schedule.lastRunAt ? (
                          formatRelative(schedule.lastRunAt)
                        ) : (
                          <span className="muted">never</span>
                        )}
                      </td>
                      <td>
                        {schedule.nextRunAt ? (
                          <time dateTime={schedule.nextRunAt} title={inZone(schedule.nextRunAt, schedule.timezone)}>
                            {formatDateTime(schedule.nextRunAt)}
                          </time>
                        ) : (
                          <span className="muted">{schedule.enabled ? '—' : 'off'}</span>
                        )}
                      </td>
                      <td>
                        <div className="button-row">
                          <GuardedButton
                            className="button button-small"
                            aria-label={`Run ${schedule.name} now`}
                            disabled={run === 'running'}
                            onClick={() => void runNow(schedule)}
                          >
                            {run === 'running' ? 'Starting…' : 'Run now'}
                          </GuardedButton>
                          <ConfirmButton text="Delete" label={`Delete ${schedule.name}`} onConfirm={() => void remove(schedule)} />
                        </div>
                        {run && run !== 'running' ? (
                          <p className="small" role="status">
                            Started: <Link to={`/jobs/${run.id}`}>follow the job</Link>
                          </p>
                        ) : null}
                        <ErrorAlert error={rowErrors[schedule.id]} />
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
