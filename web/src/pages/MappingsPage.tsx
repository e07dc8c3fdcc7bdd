import { useState } from 'react';
import { api } from '../api/client';
import type { SavedMapping } from '../api/types';
import { ErrorAlert, Notice } from '../components/ErrorAlert';
import { Card, ConfirmButton, EmptyState, Loading, PageHeader, ViewerNotice } from '../components/Misc';
import { formatDateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';

/** Mappings saved from the wizard ("Save this mapping"): reused for files with the same columns. */
export function MappingsPage() {
  const mappings = useLoad(() => api.mappings(), []);
  const platforms = useLoad(() => api.platforms(), []);
  const [errors, setErrors] = useState<Record<number, unknown>>({});
  const [message, setMessage] = useState<string | null>(null);

  const remove = async (mapping: SavedMapping) => {
    setErrors((previous) => ({ ...previous, [mapping.id]: null }));
    try {
      await api.deleteMapping(mapping.id);
      setMessage('Mapping deleted.');
      mappings.setData((previous) => ({ mappings: (previous?.mappings ?? []).filter((item) => item.id !== mapping.id) }));
    } catch (error) {
      setErrors((previous) => ({ ...previous, [mapping.id]: error }));
    }
  };

  const platformLabel = (id: string) => platforms.data?.platforms.find((item) => item.id === id)?.label ?? id;
  const list = mappings.data?.mappings ?? [];

  return (
    <>
      <PageHeader
        title="Saved mappings"
        description="Which column is which identifier, remembered per platform for files with the same columns. The wizard fills them in for you."
      />
      <ViewerNotice />
      {message ? <Notice>{message}</Notice> : null}
      <Card>
        <ErrorAlert error={mappings.error} />
        {mappings.loading && !mappings.data ? <Loading what="Loading mappings" /> : null}
        {mappings.data && list.length === 0 ? (
          <EmptyState title="No saved mappings yet">
            In New upload, step Define columns, tick &ldquo;Save this mapping&rdquo; and it will be reused for files with the same
            columns.
          </EmptyState>
        ) : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Saved mappings</caption>
              <thead>
                <tr>
                  <th scope="col">Platform</th>
                  <th scope="col">Columns of the files</th>
                  <th scope="col">Identifiers</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((mapping) => (
                  <tr key={mapping.id}>
                    <td>{platformLabel(mapping.platform)}</td>
                    <td className="mono small">{mapping.columns.join(', ')}</td>
                    <td className="small">
                      <ul className="plain-list">
                        {mapping.mappings.map((item) => (
                          <li key={`${item.column}:${item.type}`}>
                            <span className="mono">{item.column}</span> → {item.type}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{formatDateTime(mapping.updatedAt)}</td>
                    <td>
                      <ConfirmButton
                        text="Delete"
                        label={`Delete the ${platformLabel(mapping.platform)} mapping of ${mapping.columns.slice(0, 3).join(', ')}`}
                        onConfirm={() => void remove(mapping)}
                      />
                      <ErrorAlert error={errors[mapping.id]} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
    </>
  );
}
