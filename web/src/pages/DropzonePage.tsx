import { Link } from 'react-router';
import { api } from '../api/client';
import { WordBadge } from '../components/Badges';
import { ErrorAlert } from '../components/ErrorAlert';
import { Card, EmptyState, Loading, PageHeader } from '../components/Misc';
import { formatDateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';

const IDENTIFIERS = ['email_sha256', 'phone_sha256', 'idfa_sha256', 'gaid_sha256', 'maid_sha256'];

/** How the drop zone works, and what it did lately. */
export function DropzonePage() {
  const dropzone = useLoad(() => api.dropzone(), []);
  const root = dropzone.data?.root ?? 'dropzone/';

  return (
    <>
      <PageHeader
        title="Drop zone"
        description="Files of SHA-256 hashes placed in the storage are appended to an audience by themselves: no wizard, no API call."
      />
      <ErrorAlert error={dropzone.error} />
      {dropzone.data && !dropzone.data.enabled ? (
        <p className="alert alert-warning">
          The drop zone is off on this installation (AU_DROPZONE=off). Files placed there are not picked up.
        </p>
      ) : null}
      <div className="grid-2">
        <Card title="How it works">
          <p>Put a file under:</p>
          <pre className="code-block">
            {root}&lt;platform&gt;/&lt;audience name&gt;/&lt;identifier&gt;/&lt;file&gt;
          </pre>
          <p>For example:</p>
          <pre className="code-block">{root}tiktok/Foodies/email_sha256/list.csv</pre>
          <ul className="bullets">
            <li>
              <strong>platform</strong>: <code>tiktok</code> or <code>meta</code>.
            </li>
            <li>
              <strong>audience name</strong>: the audience to append to; the same name reuses the same audience, a new name
              creates one.
            </li>
            <li>
              <strong>identifier</strong>: one of {IDENTIFIERS.map((item, index) => (
                <span key={item}>
                  {index > 0 ? ', ' : ''}
                  <code>{item}</code>
                </span>
              ))}
              . Folder names are case-insensitive.
            </li>
            <li>
              <strong>file</strong>: one SHA-256 hash (64 hex characters) a line; a one-word header is allowed. Values must
              already be normalized and hashed.
            </li>
          </ul>
          <p>
            A file is picked up once it has not changed for 5 seconds, then moved to <code>processed/…</code>, or to{' '}
            <code>failed/…</code> beside a <code>.error.txt</code> that says why (an unhashed line, an unknown identifier
            folder, what the platform refused).
          </p>
        </Card>
        <Card title="Activity">
          {dropzone.loading && !dropzone.data ? <Loading what="Loading activity" /> : null}
          {dropzone.data && dropzone.data.activity.length === 0 ? (
            <EmptyState title="Nothing dropped yet">Place a file as shown beside this list; it appears here once picked up.</EmptyState>
          ) : null}
          {dropzone.data && dropzone.data.activity.length > 0 ? (
            <div className="table-wrap">
              <table className="table table-compact">
                <caption className="sr-only">Latest drop zone activity</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">File</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Message</th>
                  </tr>
                </thead>
                <tbody>
                  {dropzone.data.activity.map((item, index) => (
                    <tr key={`${item.at}:${item.key}:${index}`}>
                      <td>{formatDateTime(item.at)}</td>
                      <td className="mono small">{item.key}</td>
                      <td>
                        <WordBadge word={item.outcome} />
                        {item.jobId ? (
                          <>
                            {' '}
                            <Link to={`/jobs/${item.jobId}`}>job</Link>
                          </>
                        ) : null}
                      </td>
                      <td className="small">{item.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </Card>
      </div>
    </>
  );
}
