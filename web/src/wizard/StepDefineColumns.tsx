import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Dataset, DateFormat, Platform, PreviewColumn } from '../api/types';
import { ValidityChart } from '../components/LazyCharts';
import { ErrorAlert, Notice } from '../components/ErrorAlert';
import { Checkbox, SelectField } from '../components/Field';
import { Card, Loading } from '../components/Misc';
import { ShareBar } from '../components/Progress';
import { formatDateTime, formatNumber, formatPercent } from '../lib/format';
import { useDebounced } from '../lib/hooks';
import { reasonEntries, reasonLabel } from '../lib/reasons';
import { DATE_FORMATS, mappingList, normalizeCountry, type ColumnsState, type DefineState } from './state';

interface Props {
  dataset: Dataset;
  platform: Platform;
  define: DefineState;
  value: ColumnsState | null;
  onChange: (value: ColumnsState) => void;
  onBack: () => void;
  onNext: () => void;
}

const NO_IDENTIFIER = 'Map at least one column to an identifier to continue.';

function initialMapping(dataset: Dataset, platform: Platform, saved: { column: string; type: string }[] | null): Record<string, string> {
  const supported = new Set(platform.identifierTypes.map((item) => item.type));
  const mapping: Record<string, string> = {};
  for (const column of dataset.columns) mapping[column.name] = '';
  if (saved) {
    for (const item of saved) if (item.column in mapping && supported.has(item.type)) mapping[item.column] = item.type;
  } else {
    for (const column of dataset.columns) {
      const type = column.suggestion?.type;
      if (type && supported.has(type)) mapping[column.name] = type;
    }
  }
  return mapping;
}

function shortHash(hash: string | null): string {
  if (!hash) return '—';
  return hash.length > 20 ? `${hash.slice(0, 12)}…${hash.slice(-6)}` : hash;
}

/** Step 3: the discovered columns, which identifier each one is, and a live preview of the result. */
export function StepDefineColumns({ dataset, platform, define, value, onChange, onBack, onNext }: Props) {
  const key = `${dataset.id}:${platform.id}`;
  const [initError, setInitError] = useState<unknown>(null);
  const [attempted, setAttempted] = useState(false);
  const alertRef = useRef<HTMLParagraphElement>(null);
  const labels = useMemo(() => new Map(platform.identifierTypes.map((item) => [item.type, item.label])), [platform]);
  const typeLabel = (type: string) => labels.get(type) ?? type;

  // the saved mapping for these columns and this platform, else the suggestions
  useEffect(() => {
    if (value?.key === key) return;
    let cancelled = false;
    setInitError(null);
    api.savedMapping(dataset.id, platform.id).then(
      (answer) => {
        if (cancelled) return;
        const saved = answer.mapping;
        onChange({
          key,
          mapping: initialMapping(dataset, platform, saved ? saved.mappings : null),
          source: saved ? 'saved' : 'suggested',
          savedAt: saved ? saved.updatedAt : null,
          dateFormat: '',
          saveMapping: false,
        });
      },
      (error: unknown) => {
        if (cancelled) return;
        setInitError(error);
        onChange({
          key,
          mapping: initialMapping(dataset, platform, null),
          source: 'suggested',
          savedAt: null,
          dateFormat: '',
          saveMapping: false,
        });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [key, value?.key, dataset, platform, onChange]);

  const ready = value?.key === key ? value : null;
  const mappings = ready ? mappingList(ready.mapping) : [];
  const country = normalizeCountry(define.defaultCountry);

  // live preview of the mapped columns, once the choices settle
  const previewInput = useDebounced(
    JSON.stringify({ mappings, defaultCountry: country || undefined, dateFormat: ready?.dateFormat || undefined }),
    450,
  );
  const [preview, setPreview] = useState<Map<string, PreviewColumn>>(new Map());
  const [previewLoading, setPreviewLoading] = useState(false);
  const [previewError, setPreviewError] = useState<unknown>(null);

  useEffect(() => {
    if (!ready) return;
    const input = JSON.parse(previewInput) as {
      mappings: { column: string; type: string }[];
      defaultCountry?: string;
      dateFormat?: DateFormat;
    };
    if (input.mappings.length === 0) {
      setPreview(new Map());
      setPreviewError(null);
      return;
    }
    const controller = new AbortController();
    setPreviewLoading(true);
    setPreviewError(null);
    api.preview(dataset.id, { platform: platform.id, ...input }, controller.signal).then(
      (answer) => {
        if (controller.signal.aborted) return;
        setPreview(new Map(answer.columns.map((column) => [column.column, column])));
        setPreviewLoading(false);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setPreviewError(error);
        setPreviewLoading(false);
      },
    );
    return () => controller.abort();
    // `ready` is read for its presence only; the request is fully described by previewInput
  }, [previewInput, dataset.id, platform.id, Boolean(ready)]);

  if (!ready) {
    return (
      <>
        <Loading what="Reading the columns" />
        <div className="wizard-footer">
          <button type="button" className="button" onClick={onBack}>
            Back
          </button>
          <span />
        </div>
      </>
    );
  }

  const setType = (column: string, type: string) => onChange({ ...ready, mapping: { ...ready.mapping, [column]: type } });
  const noIdentifier = mappings.length === 0;
  const mappedPreview = mappings
    .map((item) => preview.get(item.column))
    .filter((item): item is PreviewColumn => item !== undefined && item.type === ready.mapping[item.column]);
  const chartData = mappedPreview.map((item) => ({ column: item.column, valid: item.valid, invalid: item.invalid, empty: item.empty }));
  const usesDates = mappings.some((item) => /^DOB/.test(item.type));

  const next = () => {
    setAttempted(true);
    if (noIdentifier) {
      alertRef.current?.focus();
      return;
    }
    onNext();
  };

  return (
    <>
      {ready.source === 'saved' ? (
        <Notice tone="info">
          Using your saved mapping{ready.savedAt ? ` (saved ${formatDateTime(ready.savedAt)})` : ''} for files with these
          columns. Change any column below if needed.
        </Notice>
      ) : (
        <p className="muted">
          Each column&apos;s identifier is pre-filled from its name and content. Check them, and set the ones to leave out to
          &ldquo;Not used&rdquo;. Several identifiers are allowed: the more a row has, the better it matches.
        </p>
      )}
      <ErrorAlert error={initError} title="Could not read your saved mappings; starting from the suggestions" />

      <Card title={`Columns (${dataset.columns.length})`}>
        <div className="table-wrap">
          <table className="table table-columns">
            <caption className="sr-only">Discovered columns and the identifier each is used as</caption>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Empty
                </th>
                <th scope="col">Samples (masked)</th>
                <th scope="col">Suggested</th>
                <th scope="col">Identifier</th>
                <th scope="col">Valid</th>
              </tr>
            </thead>
            <tbody>
              {dataset.columns.map((column) => {
                const chosen = ready.mapping[column.name] ?? '';
                const suggestion = column.suggestion;
                const suggestedSupported = suggestion?.type ? labels.has(suggestion.type) : false;
                const columnPreview = chosen ? preview.get(column.name) : undefined;
                const selectId = `identifier-${column.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
                return (
                  <tr key={column.name} className={chosen ? 'row-mapped' : undefined}>
                    <th scope="row" className="mono">
                      {column.name}
                    </th>
                    <td>{column.inferredType}</td>
                    <td className="num">{formatPercent(column.emptyRate)}</td>
                    <td className="samples mono small">
                      {column.samples.length > 0 ? column.samples.slice(0, 3).join(', ') : <span className="muted">no values</span>}
                    </td>
                    <td title={suggestion?.reason}>
                      {suggestion?.type ? (
                        <>
                          <span>{typeLabel(suggestion.type)}</span>{' '}
                          <span className="confidence">{formatPercent(suggestion.confidence, 0)} sure</span>
                          {!suggestedSupported ? <span className="muted small"> (not taken by {platform.label})</span> : null}
                        </>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                    <td>
                      <label htmlFor={selectId} className="sr-only">
                        Identifier for {column.name}
                      </label>
                      <select id={selectId} value={chosen} onChange={(event) => setType(column.name, event.target.value)}>
                        <option value="">Not used</option>
                        {platform.identifierTypes.map((item) => (
                          <option key={item.type} value={item.type}>
                            {item.label === item.type ? item.label : `${item.label} (${item.type})`}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      {columnPreview && columnPreview.type === chosen ? (
                        <ShareBar share={columnPreview.validShare} label={`Valid values in ${column.name}`} />
                      ) : chosen ? (
                        <span className="muted small">{previewLoading ? 'checking…' : '—'}</span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div className="columns-options">
          <SelectField
            label="Date format"
            value={ready.dateFormat}
            onValue={(dateFormat) => onChange({ ...ready, dateFormat: dateFormat as ColumnsState['dateFormat'] })}
            hint={usesDates ? 'For dates of birth such as 03/04/1990, whose day and month could be either way round.' : 'Only matters for date-of-birth columns.'}
          >
            <option value="">Not set (ambiguous dates are invalid)</option>
            {DATE_FORMATS.map((item) => (
              <option key={item.value} value={item.value}>
                {item.label}
              </option>
            ))}
          </SelectField>
          <Checkbox
            label="Save this mapping for files with the same columns"
            checked={ready.saveMapping}
            onChecked={(saveMapping) => onChange({ ...ready, saveMapping })}
            hint="Next time files with these columns go to this platform, the mapping is filled in for you."
          />
        </div>
        {noIdentifier ? (
          <p ref={alertRef} tabIndex={-1} className={`alert ${attempted ? 'alert-error' : 'alert-warning'}`} role="alert">
            {NO_IDENTIFIER}
          </p>
        ) : null}
      </Card>

      {mappings.length > 0 ? (
        <Card
          title="Preview"
          actions={previewLoading ? <span className="muted small" role="status">Updating…</span> : null}
          className="preview-card"
        >
          <p className="muted small">
            A sample of up to 2,000 rows, normalized and hashed as they will be sent. Values are masked.
          </p>
          <ErrorAlert error={previewError} title="The preview is not available" />
          {chartData.length > 0 ? (
            <ValidityChart
              data={chartData}
              description={`Valid and invalid values per mapped column: ${chartData
                .map((item) => `${item.column} ${formatNumber(item.valid)} valid, ${formatNumber(item.invalid)} invalid, ${formatNumber(item.empty)} empty`)
                .join('; ')}.`}
            />
          ) : null}
          <div className="preview-grid" aria-busy={previewLoading}>
            {mappedPreview.map((column) => (
              <section key={column.column} className="preview-column" aria-labelledby={`preview-${column.column}`}>
                <h3 id={`preview-${column.column}`} className="preview-title">
                  <span className="mono">{column.column}</span> <span aria-hidden="true">→</span>
                  <span className="sr-only"> as </span> {typeLabel(column.type)}
                </h3>
                <div className="preview-stats">
                  <ShareBar share={column.validShare} label={`Valid share of ${column.column}`} />
                  <span className="small muted">
                    {formatNumber(column.valid)} valid · {formatNumber(column.empty)} empty · {formatNumber(column.invalid)} invalid
                  </span>
                </div>
                {column.prehashed ? (
                  <p className="small badge-line">
                    <span className="badge badge-tone-neutral">pre-hashed</span> Already SHA-256 hashed: sent as is, never hashed
                    twice.
                  </p>
                ) : null}
                {reasonEntries(column.invalidByReason).length > 0 ? (
                  <ul className="reasons small">
                    {reasonEntries(column.invalidByReason).map(([reason, count]) => (
                      <li key={reason}>
                        {reasonLabel(reason)}: <strong>{formatNumber(count)}</strong>
                      </li>
                    ))}
                  </ul>
                ) : null}
                {column.rows.length > 0 ? (
                  <div className="table-wrap">
                    <table className="table table-compact table-preview">
                      <caption className="sr-only">Examples from {column.column}</caption>
                      <thead>
                        <tr>
                          <th scope="col">Raw (masked)</th>
                          <th scope="col">Normalized</th>
                          <th scope="col">Hash</th>
                        </tr>
                      </thead>
                      <tbody>
                        {column.rows.map((row, index) => (
                          <tr key={index}>
                            <td className="mono">{row.raw || <span className="muted">(empty)</span>}</td>
                            <td className="mono">
                              {row.normalized ?? <span className="invalid-reason">{row.reason ? reasonLabel(row.reason) : 'invalid'}</span>}
                            </td>
                            <td className="mono" title={row.hash ?? undefined}>
                              {shortHash(row.hash)}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ) : null}
              </section>
            ))}
          </div>
        </Card>
      ) : null}

      <div className="wizard-footer">
        <button type="button" className="button" onClick={onBack}>
          Back
        </button>
        <button type="button" className="button button-primary" onClick={next}>
          Next
        </button>
      </div>
    </>
  );
}
