import { Figures } from '../components/Figures';
import { ReasonsTable } from '../components/ReasonsTable';
import { useRef, useState } from 'react';
import { api } from '../api/client';
import type { Dataset, Destination, Job, Platform, UploadRequest } from '../api/types';
import { SandboxBadge } from '../components/Badges';
import { ErrorAlert } from '../components/ErrorAlert';
import { Checkbox } from '../components/Field';
import { Card, GuardedButton, Loading } from '../components/Misc';
import { formatNumber, sumValues } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { DATE_FORMATS, countryName, type ColumnsState, type DefineState } from './state';

interface Props {
  dataset: Dataset;
  platform: Platform;
  destination: Destination;
  define: DefineState;
  columns: ColumnsState;
  request: UploadRequest;
  onBack: () => void;
  onStarted: (job: Job) => void;
}

const TERMS_MISSING = "Confirm the platform's terms for customer lists to start the upload.";

/** Step 4: the dry run's figures, the terms, and "Start upload". */
export function StepConfirm({ dataset, platform, destination, define, columns, request, onBack, onStarted }: Props) {
  // the dry run never saves the mapping: that happens with the real upload
  const { saveMapping: _saveMapping, ...dryRunRequest } = request;
  const requestKey = JSON.stringify(dryRunRequest);
  const dryRun = useLoad(() => api.dryRun(dryRunRequest), [requestKey]);
  const [terms, setTerms] = useState(false);
  const [termsProblem, setTermsProblem] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  const termsRef = useRef<HTMLDivElement>(null);

  const start = async () => {
    setStartError(null);
    if (!terms) {
      setTermsProblem(TERMS_MISSING);
      termsRef.current?.querySelector('input')?.focus();
      return;
    }
    setStarting(true);
    try {
      const answer = await api.startUpload(request);
      onStarted(answer.job);
    } catch (error) {
      setStartError(error);
      setStarting(false);
    }
  };

  const figures = dryRun.data;
  // The upload runs the same transform as the dry run: until the dry run has answered there is nothing to confirm,
  // and when it fails the upload would fail the same way.
  const dryRunAnswered = Boolean(figures) && !dryRun.loading && !dryRun.error;
  const blockedReason = dryRun.loading
    ? 'Waiting for the dry run…'
    : dryRun.error
      ? 'The dry run did not succeed, so the upload would not either: change what it points at, or run it again.'
      : null;
  const invalidTotal = figures ? sumValues(figures.invalidByReason) : 0;
  const typeLabel = (type: string) => platform.identifierTypes.find((item) => item.type === type)?.label ?? type;
  const country = request.defaultCountry;

  return (
    <>
      <div className="grid-2">
        <Card title="What will happen">
          <dl className="details-list">
            <div>
              <dt>Files</dt>
              <dd>
                {dataset.name} ({dataset.files} file{dataset.files === 1 ? '' : 's'})
              </dd>
            </div>
            <div>
              <dt>Destination</dt>
              <dd>
                {destination.name} — {destination.platformLabel} {destination.sandbox ? <SandboxBadge /> : null}
              </dd>
            </div>
            <div>
              <dt>Audience</dt>
              <dd>
                {define.audienceChoice === 'new'
                  ? `New: ${define.audienceName.trim()}`
                  : `Existing: ${define.existingAudience?.name ?? ''} (id ${define.existingAudience?.id ?? ''})`}
              </dd>
            </div>
            <div>
              <dt>Mode</dt>
              <dd>{request.mode}</dd>
            </div>
            <div>
              <dt>Identifiers</dt>
              <dd>
                <ul className="plain-list">
                  {request.mappings.map((item) => (
                    <li key={`${item.column}:${item.type}`}>
                      <span className="mono">{item.column}</span> as {typeLabel(item.type)}
                    </li>
                  ))}
                </ul>
              </dd>
            </div>
            <div>
              <dt>Default country</dt>
              <dd>{country ? `${country}${countryName(country) ? ` (${countryName(country)})` : ''}` : 'None'}</dd>
            </div>
            {columns.dateFormat ? (
              <div>
                <dt>Date format</dt>
                <dd>{DATE_FORMATS.find((item) => item.value === columns.dateFormat)?.label}</dd>
              </div>
            ) : null}
            <div>
              <dt>Save the mapping</dt>
              <dd>{columns.saveMapping ? 'Yes' : 'No'}</dd>
            </div>
          </dl>
        </Card>

        <Card title="Dry run" actions={dryRun.loading ? <span className="muted small">Calculating…</span> : null}>
          {dryRun.loading && !figures ? <Loading what="Working out what would be sent" /> : null}
          <ErrorAlert error={dryRun.error} title="The dry run did not succeed" />
          {dryRun.error ? (
            <button type="button" className="button button-small" onClick={dryRun.reload}>
              Run the dry run again
            </button>
          ) : null}
          {figures ? (
            <>
              <Figures
                compact
                testId="dry-run"
                items={[
                  { label: 'Rows', value: formatNumber(figures.rows) },
                  { label: 'Valid', value: formatNumber(figures.valid) },
                  { label: 'Invalid values', value: formatNumber(invalidTotal) },
                  { label: 'Duplicates', value: formatNumber(figures.duplicates) },
                  { label: 'Kept', value: formatNumber(figures.kept) },
                  { label: 'Expected additions', value: figures.expectedAdditions === null ? 'not known' : formatNumber(figures.expectedAdditions) },
                  { label: 'Expected removals', value: figures.expectedRemovals === null ? 'not known' : formatNumber(figures.expectedRemovals) },
                  { label: 'Batches', value: formatNumber(figures.batches) },
                ]}
              />
              <ReasonsTable byReason={figures.invalidByReason} />
              {figures.warnings.length > 0 ? (
                <div className="alert alert-warning">
                  <strong className="alert-title">Warnings</strong>
                  <ul className="warnings">
                    {figures.warnings.map((warning) => (
                      <li key={warning}>{warning}</li>
                    ))}
                  </ul>
                </div>
              ) : null}
              {figures.kept === 0 ? (
                <p className="alert alert-warning">No row has a valid identifier: the upload would send nothing.</p>
              ) : null}
            </>
          ) : null}
        </Card>
      </div>

      <Card title="Before you start">
        <div ref={termsRef}>
          <Checkbox
            label={`I confirm that this list follows ${platform.label}'s terms for customer lists: it holds no data about children, no sensitive health or financial data, and the people on it consented to this use as those terms require.`}
            checked={terms}
            onChecked={(checked) => {
              setTerms(checked);
              if (checked) setTermsProblem(null);
            }}
            required
            error={termsProblem ?? undefined}
          />
        </div>
      </Card>

      <ErrorAlert error={startError} title="The upload did not start" />
      <div className="wizard-footer">
        <button type="button" className="button" onClick={onBack} disabled={starting}>
          Back
        </button>
        <div className="button-row">
          {blockedReason ? (
            <span id="start-upload-reason" className="muted small" role="status">
              {blockedReason}
            </span>
          ) : null}
          <GuardedButton
            className="button button-primary"
            onClick={() => void start()}
            disabled={starting || !dryRunAnswered}
            aria-describedby={blockedReason ? 'start-upload-reason' : undefined}
          >
            {starting ? 'Starting…' : 'Start upload'}
          </GuardedButton>
        </div>
      </div>
    </>
  );
}
