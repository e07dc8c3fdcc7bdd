import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import type { Dataset, Job, UploadRequest } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading, ViewerNotice } from '../components/Misc';
import { useLoad } from '../lib/hooks';
import { StepConfirm } from './StepConfirm';
import { StepDefineColumns } from './StepDefineColumns';
import { StepDefineDataset } from './StepDefineDataset';
import { StepSelectFile } from './StepSelectFile';
import { STEPS, Stepper } from './Stepper';
import {
  INITIAL_DEFINE,
  clearSavedWizard,
  isCountryCode,
  mappingList,
  normalizeCountry,
  readSavedWizard,
  saveWizard,
  type ColumnsState,
  type DefineState,
} from './state';

const STEP_HELP = [
  'Pick the export to upload from the storage, or upload it from your computer. Several part files with the same columns (or a whole folder) make one dataset.',
  'Where the audience goes and how it is updated.',
  'Which column holds which identifier. Values are normalized and SHA-256 hashed exactly as the platform requires; raw values never leave the server.',
  'Check the figures of a dry run, then start the upload.',
];

/**
 * The upload wizard: select file, define dataset, define columns, confirm; then the monitor page (/jobs/:id). Its
 * state lives in sessionStorage too, so leaving for another page (or reloading) in the same tab picks up where the
 * user was; it is cleared once the upload started and by "Start over".
 */
export function UploadWizard() {
  const navigate = useNavigate();
  const [restored] = useState(readSavedWizard);
  const [step, setStep] = useState(restored?.step ?? 0);
  const [selected, setSelected] = useState<string[]>(restored?.selected ?? []);
  const [dataset, setDataset] = useState<Dataset | null>(restored?.dataset ?? null);
  const [define, setDefine] = useState<DefineState>(restored?.define ?? INITIAL_DEFINE);
  const [columns, setColumns] = useState<ColumnsState | null>(restored?.columns ?? null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstStep = useRef(true);
  // Set once the upload started: nothing may save the finished wizard again on the way to the monitor.
  const finished = useRef(false);
  // Bumped by "Start over": the step's own fields (folder, search, dataset name...) start afresh too.
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!finished.current) saveWizard({ step, selected, dataset, define, columns });
  }, [step, selected, dataset, define, columns]);

  const platforms = useLoad(() => api.platforms(), []);
  const destinations = useLoad(() => api.destinations(), []);

  // keyboard and screen reader users start each step at its heading
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    headingRef.current?.focus();
    window.scrollTo({ top: 0 });
  }, [step]);

  const patchDefine = useCallback((patch: Partial<DefineState>) => setDefine((previous) => ({ ...previous, ...patch })), []);
  const setColumnsState = useCallback((value: ColumnsState) => setColumns(value), []);

  const destination = destinations.data?.destinations.find((item) => String(item.id) === define.destinationId);
  const platform = platforms.data?.platforms.find((item) => item.id === destination?.platform);

  const request = useMemo<UploadRequest | null>(() => {
    if (!dataset || !destination || !columns) return null;
    const country = normalizeCountry(define.defaultCountry);
    const upload: UploadRequest = {
      datasetId: dataset.id,
      destinationId: destination.id,
      audience:
        define.audienceChoice === 'existing' && define.existingAudience
          ? { id: define.existingAudience.id }
          : { name: define.audienceName.trim() },
      mode: define.mode,
      mappings: mappingList(columns.mapping),
      saveMapping: columns.saveMapping,
    };
    if (country && isCountryCode(country)) upload.defaultCountry = country;
    if (columns.dateFormat) upload.dateFormat = columns.dateFormat;
    return upload;
  }, [dataset, destination, columns, define]);

  const onDataset = (next: Dataset) => {
    if (dataset?.id !== next.id) setColumns(null);
    setDataset(next);
    setStep(1);
  };

  const onStarted = (job: Job) => {
    finished.current = true;
    clearSavedWizard();
    navigate(`/jobs/${encodeURIComponent(job.id)}`, { state: { fromWizard: true } });
  };

  const pristine = step === 0 && selected.length === 0 && dataset === null && columns === null && define === INITIAL_DEFINE;
  const startOver = () => {
    clearSavedWizard();
    setSelected([]);
    setDataset(null);
    setDefine(INITIAL_DEFINE);
    setColumns(null);
    setStep(0);
    setRound((value) => value + 1);
    // on the first step already, the step effect does not run: move the focus here
    if (step === 0) headingRef.current?.focus();
  };

  const configError = platforms.error ?? destinations.error;
  const configLoading = platforms.loading || destinations.loading;

  let body: React.ReactNode = null;
  if (step === 0) {
    body = <StepSelectFile selected={selected} onSelected={setSelected} dataset={dataset} onDataset={onDataset} />;
  } else if (configError) {
    body = <ErrorAlert error={configError} title="Could not load the destinations" />;
  } else if (configLoading || !platforms.data || !destinations.data) {
    body = <Loading what="Loading the destinations" />;
  } else if (step === 1 && dataset) {
    body = (
      <StepDefineDataset
        dataset={dataset}
        platforms={platforms.data.platforms}
        destinations={destinations.data.destinations}
        value={define}
        onChange={patchDefine}
        onBack={() => setStep(0)}
        onNext={() => setStep(2)}
      />
    );
  } else if (step === 2 && dataset && platform) {
    body = (
      <StepDefineColumns
        dataset={dataset}
        platform={platform}
        define={define}
        value={columns}
        onChange={setColumnsState}
        onBack={() => setStep(1)}
        onNext={() => setStep(3)}
      />
    );
  } else if (step === 3 && dataset && platform && destination && columns && request) {
    body = (
      <StepConfirm
        dataset={dataset}
        platform={platform}
        destination={destination}
        define={define}
        columns={columns}
        request={request}
        onBack={() => setStep(2)}
        onStarted={onStarted}
      />
    );
  } else {
    // a step whose inputs went missing (a destination removed meanwhile): start that part again
    body = (
      <div className="alert alert-warning" role="alert">
        Something this step needs is missing.{' '}
        <button type="button" className="link-button" onClick={() => setStep(dataset ? 1 : 0)}>
          Go back
        </button>
      </div>
    );
  }

  return (
    <>
      <header className="page-header">
        <div>
          <h1 tabIndex={-1}>New upload</h1>
        </div>
        {pristine ? null : (
          <div className="page-actions">
            <button type="button" className="button button-quiet" onClick={startOver}>
              Start over
            </button>
          </div>
        )}
      </header>
      <ViewerNotice />
      <Stepper current={step} />
      <section className="wizard-step" aria-labelledby="wizard-step-heading">
        <div className="step-intro">
          <h2 id="wizard-step-heading" ref={headingRef} tabIndex={-1} className="step-heading">
            {STEPS[step]}
          </h2>
          <p className="muted">{STEP_HELP[step]}</p>
        </div>
        <Fragment key={round}>{body}</Fragment>
      </section>
    </>
  );
}
