import { Figures } from '../components/Figures';
import { ReasonsTable } from '../components/ReasonsTable';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api, isApiError } from '../api/client';
import { FINAL_JOB_STATES, type Job, type JobDetail, type JobStage, type JobState } from '../api/types';
import { StateBadge, WordBadge } from '../components/Badges';
import { ProgressChart } from '../components/LazyCharts';
import { ErrorAlert } from '../components/ErrorAlert';
import { Icon } from '../components/Icon';
import { Card, GuardedButton, Loading, ViewerNotice } from '../components/Misc';
import { ProgressBar } from '../components/Progress';
import { formatDateTime, formatDuration, formatNumber, plural, sumValues } from '../lib/format';
import { useAction } from '../lib/hooks';
import { reasonEntries, reasonLabel } from '../lib/reasons';
import { Stepper } from '../wizard/Stepper';

const POLL_MS = 2000;

function isFinal(state: JobState): boolean {
  return FINAL_JOB_STATES.has(state);
}

type Connection = 'connecting' | 'live' | 'polling' | 'ended';

/**
 * Follows a job: the server's event stream (`event: job` with the job detail, `event: end` when final), or polling
 * GET /api/jobs/:id when the stream fails. `restart` starts following again (after a retry).
 */
function useJobDetail(jobId: string) {
  const [detail, setDetail] = useState<JobDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let closed = false;
    let source: EventSource | null = null;
    let timer: number | undefined;
    const controller = new AbortController();

    const apply = (next: JobDetail) => {
      if (closed) return;
      setDetail(next);
      setError(null);
    };

    const poll = async () => {
      if (closed) return;
      try {
        const next = await api.job(jobId, controller.signal);
        apply(next);
        if (isFinal(next.job.state)) {
          setConnection('ended');
          return;
        }
      } catch (reason) {
        if (closed) return;
        setError(reason);
        // nothing to wait for: the job does not exist, or the session is gone
        if (isApiError(reason) && [401, 403, 404].includes(reason.status)) return;
      }
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };

    const startPolling = () => {
      if (closed) return;
      setConnection('polling');
      void poll();
    };

    const stream = () => {
      if (typeof EventSource === 'undefined') {
        startPolling();
        return;
      }
      source = new EventSource(api.jobEventsUrl(jobId));
      source.addEventListener('job', (event) => {
        try {
          apply(JSON.parse((event as MessageEvent<string>).data) as JobDetail);
          if (!closed) setConnection('live');
        } catch {
          // a malformed event: the next one or the polling fallback brings the state
        }
      });
      source.addEventListener('end', () => {
        source?.close();
        source = null;
        if (closed) return;
        setConnection('ended');
        // the final state, in case the last `job` event was missed
        api.job(jobId, controller.signal).then(apply, () => undefined);
      });
      source.onerror = () => {
        source?.close();
        source = null;
        startPolling();
      };
    };

    setConnection('connecting');
    api.job(jobId, controller.signal).then(
      (first) => {
        apply(first);
        if (closed) return;
        if (isFinal(first.job.state)) setConnection('ended');
        else stream();
      },
      (reason: unknown) => {
        if (closed) return;
        setError(reason);
        if (isApiError(reason) && [401, 403, 404].includes(reason.status)) {
          setConnection('ended');
          return;
        }
        stream();
      },
    );

    return () => {
      closed = true;
      controller.abort();
      source?.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [jobId, generation]);

  const restart = useCallback(() => setGeneration((value) => value + 1), []);
  const replaceJob = useCallback((job: Job) => {
    setDetail((previous) => (previous ? { ...previous, job } : previous));
  }, []);
  return { detail, error, connection, restart, replaceJob };
}

function stagesOf(detail: JobDetail): JobStage[] {
  if (detail.summary?.stages?.length) return detail.summary.stages;
  // before the first summary: say what can be said from the job's state
  const state = detail.job.state;
  const planned = detail.job.batches.total > 0;
  let prepare = 'pending';
  let upload = 'pending';
  if (state === 'preparing') prepare = 'running';
  else if (state === 'uploading') [prepare, upload] = ['done', 'running'];
  else if (state === 'done') [prepare, upload] = ['done', 'done'];
  else if (state !== 'queued') {
    // failed, dead, cancelled: in the upload stage once batches were planned, else in prepare
    if (planned) [prepare, upload] = ['done', state];
    else prepare = state;
  }
  return [
    { name: 'prepare', state: prepare, startedAt: detail.job.startedAt, finishedAt: null },
    { name: 'upload', state: upload, startedAt: null, finishedAt: null },
  ];
}

const STAGE_LABELS: Record<string, string> = {
  prepare: 'Prepare: read, normalize, hash, dedupe, plan the batches',
  upload: 'Upload: send the batches to the platform',
};

function batchErrorText(error: JobDetail['batches'][number]['error']): string {
  if (!error) return '';
  if (typeof error === 'string') return error;
  return error.message ?? error.code ?? JSON.stringify(error);
}

export function JobMonitorPage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const fromWizard = Boolean((location.state as { fromWizard?: boolean } | null)?.fromWizard);
  const { detail, error, connection, restart, replaceJob } = useJobDetail(id);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (fromWizard) headingRef.current?.focus();
  }, [fromWizard]);

  const retry = useAction(async () => {
    const answer = await api.retryJob(id);
    replaceJob(answer.job);
    restart();
  });
  const cancel = useAction(async () => {
    const answer = await api.cancelJob(id);
    replaceJob(answer.job);
    restart();
  });

  const job = detail?.job;
  const summary = detail?.summary ?? null;
  const batches = job?.batches;
  const final = job ? isFinal(job.state) : false;
  const canRetry = job ? job.state === 'failed' || job.state === 'dead' : false;
  // the server cancels only unfinished jobs (queued, preparing, uploading): a failed or dead one is already stopped
  const canCancel = job ? !isFinal(job.state) : false;
  const invalidTotal = summary ? sumValues(summary.invalidByReason) : 0;

  return (
    <>
      {fromWizard ? <Stepper current={4} outcome={!job || !final ? null : job.state === 'done' ? 'done' : 'failed'} /> : null}
      <header className="page-header">
        <div>
          <p className="breadcrumb">
            <Link to="/jobs">Jobs</Link> <span aria-hidden="true">/</span> <span className="mono">{id.slice(0, 8)}</span>
          </p>
          <h1 ref={headingRef} tabIndex={-1}>
            Monitor
          </h1>
          {job ? (
            <p className="page-description">
              {job.mode} to <strong>{job.audienceName ?? job.audienceId ?? 'the audience'}</strong> on{' '}
              {job.destinationName ?? job.platform}
            </p>
          ) : null}
        </div>
        {job ? (
          <div className="page-actions">
            {canRetry ? (
              <GuardedButton className="button button-primary" onClick={() => void retry.run()} disabled={retry.busy}>
                {retry.busy ? 'Retrying…' : 'Retry'}
              </GuardedButton>
            ) : null}
            {canCancel ? (
              <GuardedButton className="button button-danger-quiet" onClick={() => void cancel.run()} disabled={cancel.busy}>
                {cancel.busy ? 'Cancelling…' : 'Cancel upload'}
              </GuardedButton>
            ) : null}
          </div>
        ) : null}
      </header>
      {job && (canRetry || canCancel) ? <ViewerNotice /> : null}
      <ErrorAlert error={retry.error} title="Could not retry" />
      <ErrorAlert error={cancel.error} title="Could not cancel" />

      {!detail && !error ? <Loading what="Loading the job" /> : null}
      {!detail && error ? <ErrorAlert error={error} /> : null}

      {job && batches ? (
        <>
          {job.state === 'done' ? (
            <div className="complete-banner" role="status">
              <span className="complete-icon" aria-hidden="true">
                <Icon name="check" size={22} />
              </span>
              <div>
                <p className="complete-title">Complete</p>
                <p>
                  The platform received {summary ? plural(summary.received, 'row') : 'every batch'}
                  {job.audienceId ? ` into audience ${job.audienceId}` : ''}.
                  {job.finishedAt ? ` Finished ${formatDateTime(job.finishedAt)}.` : ''}
                </p>
              </div>
            </div>
          ) : null}

          {job.error ? (
            <div className="alert alert-error job-error" role="alert">
              <strong className="alert-title">
                {job.state === 'cancelled' ? 'This upload was cancelled' : 'This upload stopped'}
              </strong>
              <span className="alert-message">{job.error.message}</span>
              {job.error.hint ? <span className="alert-hint">What to do: {job.error.hint}</span> : null}
              {canRetry || canCancel ? (
                <span className="alert-hint">
                  {canRetry ? 'Retry sends the failed batches again; batches already accepted are not sent twice. ' : ''}
                  {canCancel ? 'Cancel upload stops it for good.' : ''}
                </span>
              ) : null}
            </div>
          ) : null}

          {error && detail ? (
            <p className="alert alert-warning" role="status">
              Lost contact with the server; trying again. The figures below may be a little behind.
            </p>
          ) : null}

          <Card
            title="Progress"
            actions={
              <span className={`connection connection-${connection}`}>
                {connection === 'live'
                  ? 'Live'
                  : connection === 'polling'
                    ? 'Refreshing every few seconds'
                    : connection === 'ended'
                      ? 'Final'
                      : 'Connecting…'}
              </span>
            }
          >
            <div aria-live="polite" className="live-figures">
              <div className="progress-head">
                <span className="progress-state">
                  State: <StateBadge state={job.state} testId="job-state" />
                </span>
                <span>
                  Batches sent: <strong data-testid="batches-progress">{`${formatNumber(batches.done)} of ${formatNumber(batches.total)}`}</strong>
                </span>
                {!final && detail.eta !== null && detail.eta !== undefined ? (
                  <span>
                    Time left: <strong>about {formatDuration(detail.eta)}</strong>
                  </span>
                ) : null}
              </div>
              <ProgressBar
                value={batches.done}
                max={batches.total}
                label="Batches sent"
                valueText={`${batches.done} of ${batches.total} batches sent`}
                tone={job.state === 'done' ? 'good' : ['failed', 'dead'].includes(job.state) ? 'bad' : 'active'}
              />
              <Figures
                items={[
                  { label: 'Received by the platform', value: formatNumber(summary?.received), testId: 'received-count', raw: summary?.received },
                  { label: 'Rejected by the platform', value: formatNumber(summary?.rejected), testId: 'rejected-count', raw: summary?.rejected },
                  { label: 'Audience id', value: job.audienceId ?? '—', testId: 'audience-id', mono: true },
                  { label: 'Batches in flight', value: formatNumber(batches.sending) },
                  { label: 'Batches failed', value: formatNumber(batches.failed + batches.dead) },
                  { label: 'Retries', value: formatNumber(summary?.retries) },
                  { label: 'Rate-limit waits', value: formatNumber(summary?.rateLimitWaits) },
                ]}
              />
            </div>
          </Card>

          <div className="grid-2">
            <Card title="Stages">
              <ol className="stages">
                {stagesOf(detail).map((stage) => (
                  <li key={stage.name} className="stage">
                    <div className="stage-head">
                      <span className="stage-name">{STAGE_LABELS[stage.name] ?? stage.name}</span>
                      <WordBadge word={stage.state} />
                    </div>
                    <p className="muted small">
                      {stage.startedAt ? `Started ${formatDateTime(stage.startedAt)}` : 'Not started'}
                      {stage.finishedAt ? ` · finished ${formatDateTime(stage.finishedAt)}` : ''}
                    </p>
                  </li>
                ))}
              </ol>
            </Card>
            <Card title="Rows">
              {summary ? (
                <Figures
                  compact
                  items={[
                    { label: 'Rows read', value: formatNumber(summary.rows) },
                    { label: 'With a valid identifier', value: formatNumber(summary.valid) },
                    { label: 'Invalid values', value: formatNumber(invalidTotal) },
                    { label: 'Duplicates removed', value: formatNumber(summary.duplicates) },
                    { label: 'Kept to send', value: formatNumber(summary.kept) },
                  ]}
                />
              ) : (
                <p className="muted">The row counts appear once the prepare stage has read the files.</p>
              )}
              {summary ? <ReasonsTable byReason={summary.invalidByReason} /> : null}
            </Card>
          </div>

          <Card title="Progress over time">
            {detail.progress.length > 0 ? (
              <ProgressChart points={detail.progress} rowsTotal={summary?.kept} batchesTotal={batches.total} />
            ) : (
              <p className="muted">The chart starts when the first batch is sent.</p>
            )}
          </Card>

          {summary && summary.rejectedSamples && Object.keys(summary.rejectedSamples).length > 0 ? (
            <Card title="What the platform rejected">
              <p className="muted">A few of the platform&apos;s answers about rejected rows (no personal data):</p>
              <ul className="samples-list">
                {Object.entries(summary.rejectedSamples).map(([sample, reason]) => (
                  <li key={sample} className="mono small">
                    {sample}: {reason}
                  </li>
                ))}
              </ul>
            </Card>
          ) : null}

          {summary && summary.perColumn.length > 0 ? (
            <Card title="Columns">
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Column</th>
                      <th scope="col">Identifier</th>
                      <th scope="col" className="num">
                        Valid
                      </th>
                      <th scope="col" className="num">
                        Empty
                      </th>
                      <th scope="col" className="num">
                        Invalid
                      </th>
                      <th scope="col">Main reasons</th>
                    </tr>
                  </thead>
                  <tbody>
                    {summary.perColumn.map((column) => (
                      <tr key={`${column.column}:${column.type}`}>
                        <td className="mono">{column.column}</td>
                        <td>{column.type}</td>
                        <td className="num">{formatNumber(column.valid)}</td>
                        <td className="num">{formatNumber(column.empty)}</td>
                        <td className="num">{formatNumber(column.invalid)}</td>
                        <td className="small">
                          {reasonEntries(column.invalidByReason)
                            .slice(0, 3)
                            .map(([reason, count]) => `${reasonLabel(reason)} (${formatNumber(count)})`)
                            .join('; ') || '—'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
          ) : null}

          <Card title="Details">
            <dl className="details-list">
              <div>
                <dt>Job id</dt>
                <dd className="mono">{job.id}</dd>
              </div>
              <div>
                <dt>Destination</dt>
                <dd>
                  {job.destinationName ?? '—'} ({job.platform})
                </dd>
              </div>
              <div>
                <dt>Mode</dt>
                <dd>{job.mode}</dd>
              </div>
              <div>
                <dt>Started by</dt>
                <dd>{job.createdBy}</dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>{formatDateTime(job.createdAt)}</dd>
              </div>
              <div>
                <dt>Started</dt>
                <dd>{formatDateTime(job.startedAt)}</dd>
              </div>
              <div>
                <dt>Finished</dt>
                <dd>{formatDateTime(job.finishedAt)}</dd>
              </div>
              <div>
                <dt>Inputs</dt>
                <dd>
                  {job.inputs.length === 0 ? '—' : null}
                  <ul className="plain-list">
                    {job.inputs.slice(0, 20).map((input) => (
                      <li key={input} className="mono small">
                        {input}
                      </li>
                    ))}
                    {job.inputs.length > 20 ? <li className="muted small">and {job.inputs.length - 20} more</li> : null}
                  </ul>
                </dd>
              </div>
            </dl>
          </Card>

          {detail.batches.length > 0 ? (
            <Card title={`Batches (${formatNumber(detail.batches.length)})`}>
              <details>
                <summary>Show every batch</summary>
                <div className="table-wrap">
                  <table className="table table-compact">
                    <thead>
                      <tr>
                        <th scope="col" className="num">
                          #
                        </th>
                        <th scope="col">Kind</th>
                        <th scope="col" className="num">
                          Rows
                        </th>
                        <th scope="col">State</th>
                        <th scope="col" className="num">
                          Attempts
                        </th>
                        <th scope="col">Finished</th>
                        <th scope="col">Error</th>
                      </tr>
                    </thead>
                    <tbody>
                      {detail.batches.slice(0, 500).map((batch) => (
                        <tr key={batch.seq}>
                          <td className="num">{batch.seq}</td>
                          <td>{batch.kind}</td>
                          <td className="num">{formatNumber(batch.rows)}</td>
                          <td>
                            <WordBadge word={batch.state} />
                          </td>
                          <td className="num">{batch.attempts}</td>
                          <td>{formatDateTime(batch.finishedAt)}</td>
                          <td className="small">{batchErrorText(batch.error)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {detail.batches.length > 500 ? <p className="muted small">The first 500 batches are shown.</p> : null}
              </details>
            </Card>
          ) : null}
        </>
      ) : null}
    </>
  );
}
