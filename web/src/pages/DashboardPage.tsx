import { Link } from 'react-router';
import { api } from '../api/client';
import { FINAL_JOB_STATES, JOB_STATES, type Dashboard } from '../api/types';
import { useCan } from '../auth/AuthContext';
import { ErrorAlert } from '../components/ErrorAlert';
import { Card, EmptyState, Loading, PageHeader, ViewerNotice } from '../components/Misc';
import { JobsTable } from '../components/JobsTable';
import { NewUploadButton } from '../components/NewUploadButton';
import { formatNumber, jobStateWord } from '../lib/format';
import { useLoad, usePolling } from '../lib/hooks';

/** Something on the dashboard is still moving: a listed job, or any job counted in an unfinished state. */
function hasUnfinished(dashboard: Dashboard | undefined): boolean {
  if (!dashboard) return false;
  if (dashboard.recent.some((job) => !FINAL_JOB_STATES.has(job.state))) return true;
  return JOB_STATES.some((state) => !FINAL_JOB_STATES.has(state) && (dashboard.counts[state] ?? 0) > 0);
}

export function DashboardPage() {
  const { data, error, loading, refresh } = useLoad(() => api.dashboard(), []);
  const canUpload = useCan('operator');
  usePolling(refresh, hasUnfinished(data));

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Uploads at a glance: what is running, what finished, what needs you."
        actions={<NewUploadButton />}
      />
      <ViewerNotice />
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : null}
      {data ? (
        <>
          <section aria-labelledby="counts-title" className="section">
            <h2 id="counts-title" className="section-title">
              Jobs by state
            </h2>
            <ul className="stat-grid">
              {JOB_STATES.map((state) => (
                <li key={state}>
                  <Link to={`/jobs?state=${state}`} className={`stat stat-${state}`}>
                    <span className="stat-value">{formatNumber(data.counts[state] ?? 0)}</span>
                    <span className="stat-label">{jobStateWord(state)}</span>
                  </Link>
                </li>
              ))}
              <li>
                <Link to="/destinations" className="stat">
                  <span className="stat-value">{formatNumber(data.destinations)}</span>
                  <span className="stat-label">destinations</span>
                </Link>
              </li>
              <li>
                <Link to="/schedules" className="stat">
                  <span className="stat-value">{formatNumber(data.schedules)}</span>
                  <span className="stat-label">schedules</span>
                </Link>
              </li>
            </ul>
          </section>
          <Card title="Recent jobs" actions={<Link to="/jobs">All jobs</Link>}>
            {data.recent.length === 0 ? (
              <EmptyState title="No jobs yet — start with New upload">
                {canUpload
                  ? 'Pick a file from the storage or upload one, map its columns, and send it to a destination.'
                  : 'Jobs that operators start will appear here.'}
              </EmptyState>
            ) : (
              <JobsTable jobs={data.recent} />
            )}
          </Card>
          {data.destinations === 0 ? (
            <Card title="Before your first upload">
              <p>
                Uploads go to a saved destination (a TikTok or Meta ad account).{' '}
                <Link to="/destinations">Add a destination</Link> first — admins can do this.
              </p>
            </Card>
          ) : null}
        </>
      ) : null}
    </>
  );
}
