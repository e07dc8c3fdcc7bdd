import { useRef, useState, type FormEvent } from 'react';
import { ApiError, uploadFiles, type UploadProgress } from '../api/client';
import type { StorageFile } from '../api/types';
import { useCan } from '../auth/AuthContext';
import { ErrorAlert } from '../components/ErrorAlert';
import { TextField } from '../components/Field';
import { GuardedButton } from '../components/Misc';
import { ProgressBar } from '../components/Progress';
import { formatBytes, formatPercent } from '../lib/format';

const ACCEPT = '.csv,.tsv,.txt,.json,.jsonl,.ndjson,.parquet,.gz,.csv.gz,.json.gz,.jsonl.gz';

function uploadErrorTitle(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.code === 'AU_FILE_TOO_LARGE' || error.status === 413) return 'This file is too large to upload.';
  if (error.code === 'AU_FILE_TYPE' || error.status === 415) return 'This file format is not supported.';
  if (error.code === 'AU_STORAGE_PATH_INVALID') return 'This file or folder name cannot be used.';
  if (error.status === 0) return 'The upload was interrupted.';
  return 'The upload did not succeed.';
}

/** A size for the "too large" message; exact bytes when rounding would make the file look no larger than the limit. */
function sizeWords(bytes: number, limit: number): [string, string] {
  const size = formatBytes(bytes);
  const max = formatBytes(limit);
  if (size !== max) return [size, max];
  return [`${bytes.toLocaleString('en-US')} bytes`, `${limit.toLocaleString('en-US')} bytes`];
}

/** One sentence per chosen file over the limit; null when every file fits (or the limit is not known yet). */
function oversizeProblem(files: File[], maxBytes: number | undefined): string | null {
  if (!maxBytes) return null;
  const over = files.filter((file) => file.size > maxBytes);
  if (over.length === 0) return null;
  const sentences = over.map((file) => {
    const [size, limit] = sizeWords(file.size, maxBytes);
    return `${file.name} is ${size}; the limit is ${limit}.`;
  });
  return `${sentences.join(' ')} Choose a smaller file, or copy large exports into the storage directly.`;
}

/**
 * Upload files from the browser into the storage (POST /api/files), with a progress bar. `maxBytes` is the server's
 * limit (from GET /api/files): a larger file is refused here, before a byte of it is sent, instead of after a long
 * upload the server would stop.
 */
export function FileUploader({
  onUploaded,
  maxBytes,
}: {
  onUploaded: (files: StorageFile[], folder: string) => void;
  maxBytes?: number;
}) {
  const allowed = useCan('operator');
  const inputRef = useRef<HTMLInputElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [folder, setFolder] = useState('uploads');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const controllerRef = useRef<AbortController | null>(null);
  const uploading = progress !== null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (files.length === 0) {
      setProblem('Choose a file first.');
      inputRef.current?.focus();
      return;
    }
    const oversize = oversizeProblem(files, maxBytes);
    if (oversize) {
      setProblem(oversize);
      inputRef.current?.focus();
      return;
    }
    setProblem(null);
    const controller = new AbortController();
    controllerRef.current = controller;
    const total = files.reduce((sum, file) => sum + file.size, 0);
    setProgress({ loaded: 0, total });
    try {
      const target = folder.trim().replace(/^\/+|\/+$/g, '') || 'uploads';
      const answer = await uploadFiles(files, target, setProgress, controller.signal);
      const names = answer.files.map((file) => file.name).join(', ');
      setDone(`Uploaded ${names}. ${answer.files.length === 1 ? 'It is' : 'They are'} selected below.`);
      setFiles([]);
      if (inputRef.current) inputRef.current.value = '';
      onUploaded(answer.files, target);
    } catch (reason) {
      if (reason instanceof DOMException && reason.name === 'AbortError') setProblem('Upload stopped. Nothing was saved.');
      else setError(reason);
    } finally {
      controllerRef.current = null;
      setProgress(null);
    }
  };

  const totalSize = files.reduce((sum, file) => sum + file.size, 0);

  return (
    <form className="uploader" onSubmit={(event) => void submit(event)} noValidate aria-label="Upload from your computer">
      <div className="field">
        <label htmlFor="upload-files" className="field-label">
          File to upload
        </label>
        <input
          ref={inputRef}
          id="upload-files"
          type="file"
          multiple
          accept={ACCEPT}
          disabled={!allowed || uploading}
          aria-describedby="upload-files-hint"
          aria-invalid={problem ? true : undefined}
          onChange={(event) => {
            const chosen = Array.from(event.target.files ?? []);
            setFiles(chosen);
            // said at once: nobody should wait for a long upload the server would refuse
            setProblem(oversizeProblem(chosen, maxBytes));
            setError(null);
            setDone(null);
          }}
        />
        <p id="upload-files-hint" className="field-hint">
          CSV, JSON, JSON Lines or Parquet, optionally gzip-compressed. Choose several part files to upload them together.
          {maxBytes ? ` Up to ${formatBytes(maxBytes)} per file.` : ''}
          {files.length > 0 ? ` Chosen: ${files.length} file${files.length === 1 ? '' : 's'}, ${formatBytes(totalSize)}.` : ''}
        </p>
      </div>
      <TextField
        label="Storage folder"
        value={folder}
        onValue={setFolder}
        disabled={!allowed || uploading}
        hint="Where the files go in the storage."
        fieldClassName="field-inline"
      />
      <div className="button-row">
        <GuardedButton type="submit" className="button" disabled={uploading}>
          Upload file
        </GuardedButton>
        {uploading ? (
          <button type="button" className="button button-quiet" onClick={() => controllerRef.current?.abort()}>
            Stop uploading
          </button>
        ) : null}
      </div>
      {progress ? (
        <div className="upload-progress">
          <ProgressBar
            value={progress.loaded}
            max={progress.total}
            label="Upload progress"
            valueText={`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`}
          />
          <p className="small muted" aria-live="polite">
            {progress.total > 0 ? formatPercent(progress.loaded / progress.total, 0) : ''} — {formatBytes(progress.loaded)} of{' '}
            {formatBytes(progress.total)}
            {progress.total > 0 && progress.loaded >= progress.total ? '; the server is saving it…' : ''}
          </p>
        </div>
      ) : null}
      {problem ? (
        <p className="alert alert-error" role="alert">
          {problem}
        </p>
      ) : null}
      <ErrorAlert error={error} title={uploadErrorTitle(error)} />
      {error instanceof ApiError && error.status === 0 ? (
        <p className="field-hint">
          If the file is very large, it may be over the server&apos;s upload limit (AU_UPLOAD_MAX_BYTES
          {maxBytes ? `: ${formatBytes(maxBytes)}` : ', 2 GiB unless your administrator changed it'}). Large exports are
          better copied into the storage directly.
        </p>
      ) : null}
      {done ? (
        <p className="alert alert-success" role="status">
          {done}
        </p>
      ) : null}
    </form>
  );
}
