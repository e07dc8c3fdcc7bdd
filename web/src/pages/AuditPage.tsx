import { useState } from 'react';
import { api } from '../api/client';
import { ErrorAlert } from '../components/ErrorAlert';
import { TextField } from '../components/Field';
import { Card, EmptyState, Loading, OlderPagesFooter, PageHeader } from '../components/Misc';
import { formatDateTime } from '../lib/format';
import { useDebounced, useLoad, useOlderPages } from '../lib/hooks';

function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details === 'string') return details;
  try {
    const text = JSON.stringify(details);
    return text === '{}' ? '' : text;
  } catch {
    return String(details);
  }
}

/** Who did what (admins only). */
export function AuditPage() {
  const [actorText, setActorText] = useState('');
  const actor = useDebounced(actorText.trim(), 350);
  const first = useLoad(() => api.audit({ limit: 50, actor }), [actor]);
  const pages = useOlderPages(first.data, async (before: string | number) => {
    const page = await api.audit({ limit: 50, before, actor });
    return { items: page.entries, nextBefore: page.nextBefore };
  });

  const entries = [...(first.data?.entries ?? []), ...pages.older];

  return (
    <>
      <PageHeader title="Audit log" description="Every sign-in, change and upload, with who did it. Newest first." />
      <Card>
        <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
          <TextField label="Actor" type="search" value={actorText} onValue={setActorText} placeholder="An email, dropzone, schedule…" />
        </form>
        <ErrorAlert error={first.error} />
        {first.loading && !first.data ? <Loading what="Loading the audit log" /> : null}
        {first.data && entries.length === 0 ? <EmptyState title="No entries">{actor ? 'Nobody by that name did anything yet.' : 'Nothing has happened yet.'}</EmptyState> : null}
        {entries.length > 0 ? (
          <>
            <div className="table-wrap">
              <table className="table table-compact">
                <caption className="sr-only">Audit log entries</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <tr key={entry.id}>
                      <td>{formatDateTime(entry.at)}</td>
                      <td>{entry.actor}</td>
                      <td className="mono small">{entry.action}</td>
                      <td className="small">
                        {entry.targetType ?? ''} {entry.targetId !== null && entry.targetId !== undefined ? <span className="mono">{String(entry.targetId)}</span> : null}
                      </td>
                      <td className="mono small details-cell">{detailsText(entry.details)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <OlderPagesFooter shown={entries.length} pages={pages} />
          </>
        ) : null}
      </Card>
    </>
  );
}
