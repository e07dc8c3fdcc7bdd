import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Dataset, StorageFile, StorageFolder } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { SelectField, TextField } from '../components/Field';
import { Icon } from '../components/Icon';
import { Card, EmptyState, GuardedButton, Loading } from '../components/Misc';
import { formatBytes, formatDateTime, formatRelative } from '../lib/format';
import { useDebounced, useLoad } from '../lib/hooks';
import { FileUploader } from './FileUploader';

interface Props {
  selected: string[];
  onSelected: (keys: string[]) => void;
  dataset: Dataset | null;
  /** A dataset was made (or chosen) from the selection: go on. */
  onDataset: (dataset: Dataset) => void;
}

interface Listing {
  prefix: string;
  folders: StorageFolder[];
  files: StorageFile[];
  nextCursor: string | null;
  uploadMaxBytes: number;
}

const PAGE_SIZE = 50;

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((key, index) => key === sorted[index]);
}

function breadcrumbs(prefix: string): { name: string; prefix: string }[] {
  const slash = prefix.endsWith('/');
  const parts = prefix.split('/').filter(Boolean);
  return parts.map((name, index) => ({ name, prefix: parts.slice(0, index + 1).join('/') + (slash ? '/' : '') }));
}

function formatLabel(file: StorageFile): string {
  if (!file.format) return 'unknown';
  return `${file.format === 'jsonl' ? 'JSON Lines' : file.format.toUpperCase()}${file.gzip ? ' (gzip)' : ''}`;
}

/** Step 1: browse the storage or upload from the browser; several part files (or a folder) make one dataset. */
export function StepSelectFile({ selected, onSelected, dataset, onDataset }: Props) {
  const [prefix, setPrefix] = useState('');
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim(), 300);
  const [listing, setListing] = useState<Listing | null>(null);
  const [loading, setLoading] = useState(true);
  const [listError, setListError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const [datasetName, setDatasetName] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>(null);
  const [selectionProblem, setSelectionProblem] = useState<string | null>(null);
  const [recentId, setRecentId] = useState('');
  const selectionRef = useRef<HTMLDivElement>(null);
  const recent = useLoad(() => api.datasets(), []);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setListError(null);
    api.files({ prefix, search, limit: PAGE_SIZE }, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setListing({ prefix: page.prefix ?? prefix, folders: page.folders, files: page.files, nextCursor: page.nextCursor, uploadMaxBytes: page.uploadMaxBytes });
        setLoading(false);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setListError(error);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [prefix, search, reloadKey]);

  const loadMore = async () => {
    if (!listing?.nextCursor) return;
    setLoadingMore(true);
    setListError(null);
    try {
      const page = await api.files({ prefix, search, cursor: listing.nextCursor, limit: PAGE_SIZE });
      setListing((previous) =>
        previous
          ? {
              ...previous,
              folders: [...previous.folders, ...page.folders.filter((folder) => !previous.folders.some((f) => f.key === folder.key))],
              files: [...previous.files, ...page.files],
              nextCursor: page.nextCursor,
            }
          : previous,
      );
    } catch (error) {
      setListError(error);
    } finally {
      setLoadingMore(false);
    }
  };

  const toggle = (key: string, on: boolean) => {
    setSelectionProblem(null);
    onSelected(on ? (selected.includes(key) ? selected : [...selected, key]) : selected.filter((item) => item !== key));
  };

  const open = (nextPrefix: string) => {
    setPrefix(nextPrefix);
    setSearchText('');
  };

  const shownFiles = listing?.files ?? [];
  const allShownSelected = shownFiles.length > 0 && shownFiles.every((file) => selected.includes(file.key));
  const toggleAllShown = (on: boolean) => {
    setSelectionProblem(null);
    const keys = shownFiles.map((file) => file.key);
    onSelected(on ? [...new Set([...selected, ...keys])] : selected.filter((key) => !keys.includes(key)));
  };

  const onUploaded = (files: StorageFile[], folder: string) => {
    onSelected([...new Set([...selected, ...files.map((file) => file.key)])]);
    setSelectionProblem(null);
    const normalized = prefix.replace(/\/+$/, '');
    if (normalized === folder) setReloadKey((value) => value + 1);
  };

  const next = async () => {
    setCreateError(null);
    if (selected.length === 0) {
      setSelectionProblem('Select at least one file or folder, or upload a file, to continue.');
      selectionRef.current?.focus();
      return;
    }
    if (dataset && sameKeys(dataset.keys, selected) && (!datasetName.trim() || datasetName.trim() === dataset.name)) {
      onDataset(dataset);
      return;
    }
    setCreating(true);
    try {
      const answer = await api.createDataset(selected, datasetName.trim() || undefined);
      onDataset(answer.dataset);
    } catch (error) {
      setCreateError(error);
    } finally {
      setCreating(false);
    }
  };

  const chooseRecent = () => {
    const chosen = recent.data?.datasets.find((item) => String(item.id) === recentId);
    if (chosen) {
      onSelected(chosen.keys);
      onDataset(chosen);
    }
  };

  const crumbs = breadcrumbs(prefix);
  const empty = listing && listing.folders.length === 0 && listing.files.length === 0;

  return (
    <>
      <div className="grid-main-side">
        <Card title="Browse the storage">
          <nav aria-label="Folder path" className="crumbs">
            <ol>
              <li>
                <button type="button" className="link-button" onClick={() => open('')} aria-current={prefix === '' ? 'location' : undefined}>
                  Storage root
                </button>
              </li>
              {crumbs.map((crumb, index) => (
                <li key={crumb.prefix}>
                  <span aria-hidden="true">/</span>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => open(crumb.prefix)}
                    aria-current={index === crumbs.length - 1 ? 'location' : undefined}
                  >
                    {crumb.name}
                  </button>
                </li>
              ))}
            </ol>
          </nav>
          <TextField
            label="Search files"
            type="search"
            value={searchText}
            onValue={setSearchText}
            placeholder="Part of a file name"
            hint={prefix ? `Searches in ${prefix}` : 'Searches the whole storage'}
          />
          <ErrorAlert error={listError} />
          {loading && !listing ? <Loading what="Loading files" /> : null}
          {listing ? (
            empty ? (
              <EmptyState title={search ? 'No files match this search' : 'This folder is empty'}>
                {search
                  ? 'Try another part of the name, or clear the search.'
                  : 'Upload a file with the form beside this list, or copy your exports into the storage.'}
              </EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table table-files" aria-busy={loading}>
                  <caption className="sr-only">Folders and files in {listing.prefix || 'the storage root'}</caption>
                  <thead>
                    <tr>
                      <th scope="col" className="col-check">
                        {shownFiles.length > 0 ? (
                          <>
                            <input
                              type="checkbox"
                              id="select-all-files"
                              checked={allShownSelected}
                              onChange={(event) => toggleAllShown(event.target.checked)}
                            />
                            <label htmlFor="select-all-files" className="sr-only">
                              Select all files shown
                            </label>
                          </>
                        ) : null}
                      </th>
                      <th scope="col">Name</th>
                      <th scope="col">Format</th>
                      <th scope="col" className="num">
                        Size
                      </th>
                      <th scope="col">Modified</th>
                    </tr>
                  </thead>
                  <tbody>
                    {listing.folders.map((folder, index) => {
                      const checkboxId = `folder-${index}`;
                      return (
                        <tr key={`d:${folder.key}`} className={selected.includes(folder.key) ? 'row-selected' : undefined}>
                          <td className="col-check">
                            <input
                              type="checkbox"
                              id={checkboxId}
                              checked={selected.includes(folder.key)}
                              onChange={(event) => toggle(folder.key, event.target.checked)}
                            />
                            <label htmlFor={checkboxId} className="sr-only">
                              Select folder {folder.name}
                            </label>
                          </td>
                          <td>
                            <button type="button" className="link-button file-name" onClick={() => open(folder.key)}>
                              <Icon name="folder" size={16} />
                              <span>{folder.name}</span>
                              <span className="sr-only"> (open folder)</span>
                            </button>
                          </td>
                          <td className="muted">Folder</td>
                          <td />
                          <td />
                        </tr>
                      );
                    })}
                    {listing.files.map((file, index) => {
                      const checkboxId = `file-${index}`;
                      return (
                        <tr key={`f:${file.key}`} className={selected.includes(file.key) ? 'row-selected' : undefined}>
                          <td className="col-check">
                            <input
                              type="checkbox"
                              id={checkboxId}
                              checked={selected.includes(file.key)}
                              onChange={(event) => toggle(file.key, event.target.checked)}
                            />
                          </td>
                          <td>
                            <label htmlFor={checkboxId} className="file-name">
                              <Icon name="file" size={16} />
                              <span>{file.name}</span>
                            </label>
                          </td>
                          <td>{file.format ? formatLabel(file) : <span className="badge badge-tone-bad">unknown format</span>}</td>
                          <td className="num">{formatBytes(file.size)}</td>
                          <td>
                            <time dateTime={file.modified} title={formatDateTime(file.modified)}>
                              {formatRelative(file.modified)}
                            </time>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )
          ) : null}
          {listing?.nextCursor ? (
            <div className="table-footer">
              <span className="muted small">More files in this folder.</span>
              <button type="button" className="button" onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </Card>

        <div className="stack">
          <Card title="Upload from your computer">
            <FileUploader onUploaded={onUploaded} maxBytes={listing?.uploadMaxBytes} />
          </Card>
          {recent.data && recent.data.datasets.length > 0 ? (
            <Card title="Or reuse a recent dataset">
              <SelectField label="Recent dataset" value={recentId} onValue={setRecentId}>
                <option value="">Choose a dataset</option>
                {recent.data.datasets.map((item) => (
                  <option key={item.id} value={String(item.id)}>
                    {item.name} — {item.files} file{item.files === 1 ? '' : 's'}, {formatRelative(item.createdAt)}
                  </option>
                ))}
              </SelectField>
              <GuardedButton className="button" disabled={!recentId} onClick={chooseRecent}>
                Use this dataset
              </GuardedButton>
            </Card>
          ) : null}
        </div>
      </div>

      <Card title={`Selected (${selected.length})`} className="selection-card">
        <div ref={selectionRef} tabIndex={-1} className="selection">
          {selected.length === 0 ? (
            <p className="muted">
              Nothing selected yet. Tick the files to use: several part files with the same columns, or a whole folder,
              form one dataset.
            </p>
          ) : (
            <ul className="chips">
              {selected.map((key) => (
                <li key={key} className="chip">
                  <span className="mono">{key}</span>
                  <button type="button" className="chip-remove" aria-label={`Remove ${key}`} onClick={() => toggle(key, false)}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        {selected.length > 0 ? (
          <TextField
            label="Dataset name"
            value={datasetName}
            onValue={setDatasetName}
            placeholder={dataset && sameKeys(dataset.keys, selected) ? dataset.name : 'Optional: named after the files'}
            fieldClassName="field-inline"
          />
        ) : null}
        {selectionProblem ? (
          <p className="alert alert-error" role="alert">
            {selectionProblem}
          </p>
        ) : null}
      </Card>

      <ErrorAlert error={createError} title="Could not read these files as one dataset" />
      <div className="wizard-footer">
        <span />
        <GuardedButton className="button button-primary" onClick={() => void next()} disabled={creating}>
          {creating ? 'Reading the files…' : 'Next'}
        </GuardedButton>
      </div>
    </>
  );
}
