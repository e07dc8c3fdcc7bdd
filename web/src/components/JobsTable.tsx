import { Link } from 'react-router';
import type { Job } from '../api/types';
import { formatNumber, formatRelative, formatDateTime } from '../lib/format';
import { StateBadge } from './Badges';

/** Jobs as a table; the audience name links to the job's monitor page. */
export function JobsTable({ jobs, caption }: { jobs: Job[]; caption?: string }) {
  return (
    <div className="table-wrap">
      <table className="table">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">Audience</th>
            <th scope="col">Destination</th>
            <th scope="col">Mode</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Batches
            </th>
            <th scope="col">Started by</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id}>
              <td>
                <Link to={`/jobs/${job.id}`}>{job.audienceName || job.audienceId || `Job ${job.id.slice(0, 8)}`}</Link>
              </td>
              <td>
                {job.destinationName ?? '—'} <span className="muted small">{job.platform}</span>
              </td>
              <td>{job.mode}</td>
              <td>
                <StateBadge state={job.state} />
              </td>
              <td className="num">
                {formatNumber(job.batches.done)} / {formatNumber(job.batches.total)}
              </td>
              <td>{job.createdBy}</td>
              <td>
                <time dateTime={job.createdAt} title={formatDateTime(job.createdAt)}>
                  {formatRelative(job.createdAt)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
