// The one typed client of the REST API. Every call goes through `request` (or `uploadFiles` for the multipart upload,
// which needs XMLHttpRequest for upload progress): same-origin credentials, the CSRF header on every non-GET request,
// errors turned into ApiError with the server's plain-words message, and a 401 reported to the app (session expired).

import type {
  ApiToken,
  AuditPage,
  AuthConfig,
  ConnectionTest,
  CreatedToken,
  Dashboard,
  Dataset,
  Destination,
  Dropzone,
  DryRunResult,
  ErrorBody,
  FileListing,
  FileQuery,
  Issue,
  Job,
  JobDetail,
  JobList,
  JobQuery,
  LoginResponse,
  NewDestination,
  NewSchedule,
  Platform,
  PlatformAudience,
  PreviewRequest,
  PreviewResponse,
  SavedMapping,
  Schedule,
  SessionResponse,
  UploadedFiles,
  UploadRequest,
  User,
  UserWithPassword,
  Role,
} from './types';

/** An API call that did not succeed: the HTTP status (0 when the server could not be reached) and the error body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorBody['details'];

  constructor(status: number, code: string, message: string, details?: ErrorBody['details']) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field-level problems of a validation error (`details.issues`). */
  get issues(): Issue[] {
    const issues = this.details?.issues;
    return Array.isArray(issues) ? issues : [];
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** Plain words for anything a call can throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

// ---- Session state shared by every call -------------------------------------------------------------------------

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

interface AuthHandlers {
  /** A call answered 401: the session is gone. */
  onUnauthorized?: () => void;
  /** A call answered 403 AU_PASSWORD_CHANGE_REQUIRED. */
  onPasswordChangeRequired?: () => void;
}

let handlers: AuthHandlers = {};

export function setAuthHandlers(next: AuthHandlers): void {
  handlers = next;
}

// ---- Requests ------------------------------------------------------------------------------------------------------

type Query = Record<string, string | number | boolean | null | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /**
   * Whether a 401 means "the session expired" (default). Off for calls where 401 is an expected answer: the first
   * session check, sign-in, and the password change (wrong current password).
   */
  sessionExpiry?: boolean;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const NETWORK_MESSAGE = 'The server could not be reached. Check that it is running and try again.';

function toApiError(status: number, statusText: string, body: unknown): ApiError {
  if (body && typeof body === 'object' && typeof (body as ErrorBody).message === 'string') {
    const error = body as ErrorBody;
    return new ApiError(status, error.code ?? `HTTP_${status}`, error.message, error.details);
  }
  const words = statusText ? `${status} ${statusText}` : String(status);
  return new ApiError(status, `HTTP_${status}`, `The server answered ${words}. Try again in a moment.`);
}

function reportAuthProblem(error: ApiError, sessionExpiry: boolean): void {
  if (error.status === 401 && sessionExpiry) handlers.onUnauthorized?.();
  if (error.status === 403 && error.code === 'AU_PASSWORD_CHANGE_REQUIRED') handlers.onPasswordChangeRequired?.();
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'AU_NETWORK', NETWORK_MESSAGE);
  }

  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!response.ok) {
    const error = toApiError(response.status, response.statusText, body);
    reportAuthProblem(error, options.sessionExpiry ?? true);
    throw error;
  }
  return body as T;
}

const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });
const post = <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body: body ?? {}, query });
const del = (path: string) => request<void>('DELETE', path);

// ---- Browser upload (multipart, with progress) ------------------------------------------------------------------

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POST /api/files with XMLHttpRequest, for its upload progress events. `folder` goes before the files so the server
 * reads it first. Abort with the signal.
 */
export function uploadFiles(
  files: File[],
  folder: string,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<UploadedFiles> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    if (folder) form.append('folder', folder);
    for (const file of files) form.append('file', file, file.name);

    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/files');
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (event) => {
      const total = event.lengthComputable ? event.total : files.reduce((sum, file) => sum + file.size, 0);
      onProgress({ loaded: event.loaded, total });
    };
    xhr.onload = () => {
      let body: unknown = undefined;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as UploadedFiles);
        return;
      }
      const error = toApiError(xhr.status, xhr.statusText, body);
      reportAuthProblem(error, true);
      reject(error);
    };
    xhr.onerror = () => reject(new ApiError(0, 'AU_NETWORK', NETWORK_MESSAGE));
    xhr.onabort = () => reject(new DOMException('The upload was stopped.', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

// ---- The API ----------------------------------------------------------------------------------------------------------

const id = (value: string | number) => encodeURIComponent(String(value));

export const api = {
  // auth
  login: (email: string, password: string) =>
    request<LoginResponse>('POST', '/api/auth/login', { body: { email, password }, sessionExpiry: false }),
  logout: () => request<void>('POST', '/api/auth/logout', { body: {}, sessionExpiry: false }),
  session: () => request<SessionResponse>('GET', '/api/auth/session', { sessionExpiry: false }),
  authConfig: () => request<AuthConfig>('GET', '/api/auth/config', { sessionExpiry: false }),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<{ user: User }>('POST', '/api/auth/password', { body: { currentPassword, newPassword }, sessionExpiry: false }),
  oidcLoginUrl: '/api/auth/oidc/login',

  // users (admin)
  users: () => get<{ users: User[] }>('/api/users'),
  createUser: (email: string, role: Role) => post<UserWithPassword>('/api/users', { email, role }),
  updateUser: (userId: number, change: { role?: Role; disabled?: boolean }) =>
    request<{ user: User }>('PATCH', `/api/users/${id(userId)}`, { body: change }),
  resetPassword: (userId: number) => post<UserWithPassword>(`/api/users/${id(userId)}/reset-password`),

  // own API tokens
  tokens: () => get<{ tokens: ApiToken[] }>('/api/tokens'),
  createToken: (name: string, expiresInDays?: number) => post<CreatedToken>('/api/tokens', { name, expiresInDays }),
  revokeToken: (tokenId: number) => del(`/api/tokens/${id(tokenId)}`),

  // platforms and destinations
  platforms: () => get<{ platforms: Platform[] }>('/api/platforms'),
  destinations: () => get<{ destinations: Destination[] }>('/api/destinations'),
  createDestination: (destination: NewDestination, skipTest = false) =>
    post<{ destination: Destination }>('/api/destinations', destination, { skipTest: skipTest ? 'true' : undefined }),
  testDestination: (destinationId: number) => post<ConnectionTest>(`/api/destinations/${id(destinationId)}/test`),
  rotateCredentials: (destinationId: number, credentials: Record<string, string>) =>
    request<{ destination: Destination }>('PUT', `/api/destinations/${id(destinationId)}/credentials`, {
      body: { credentials },
    }),
  removeDestination: (destinationId: number) => del(`/api/destinations/${id(destinationId)}`),
  audiences: (destinationId: number, search: string, signal?: AbortSignal) =>
    get<{ audiences: PlatformAudience[] }>(`/api/destinations/${id(destinationId)}/audiences`, { search }, signal),

  // files and datasets
  files: (query: FileQuery, signal?: AbortSignal) => get<FileListing>('/api/files', { ...query }, signal),
  createDataset: (keys: string[], name?: string) => post<{ dataset: Dataset }>('/api/datasets', { keys, name }),
  datasets: () => get<{ datasets: Dataset[] }>('/api/datasets'),
  dataset: (datasetId: number) => get<{ dataset: Dataset }>(`/api/datasets/${id(datasetId)}`),
  preview: (datasetId: number, body: PreviewRequest, signal?: AbortSignal) =>
    request<PreviewResponse>('POST', `/api/datasets/${id(datasetId)}/preview`, { body, signal }),
  savedMapping: (datasetId: number, platform: string) =>
    get<{ mapping: SavedMapping | null }>('/api/mappings', { datasetId, platform }),
  mappings: () => get<{ mappings: SavedMapping[] }>('/api/mappings'),
  deleteMapping: (mappingId: number) => del(`/api/mappings/${id(mappingId)}`),

  // uploads and jobs
  dryRun: (upload: UploadRequest) => post<DryRunResult>('/api/uploads/dry-run', upload),
  startUpload: (upload: UploadRequest) => post<{ job: Job }>('/api/uploads', { ...upload, acknowledgeTerms: true }),
  jobs: (query: JobQuery, signal?: AbortSignal) => get<JobList>('/api/jobs', { ...query }, signal),
  job: (jobId: string, signal?: AbortSignal) => get<JobDetail>(`/api/jobs/${id(jobId)}`, undefined, signal),
  jobEventsUrl: (jobId: string) => `/api/jobs/${id(jobId)}/events`,
  retryJob: (jobId: string) => post<{ job: Job }>(`/api/jobs/${id(jobId)}/retry`),
  cancelJob: (jobId: string) => post<{ job: Job }>(`/api/jobs/${id(jobId)}/cancel`),
  dashboard: () => get<Dashboard>('/api/dashboard'),

  // schedules, drop zone, audit
  schedules: () => get<{ schedules: Schedule[] }>('/api/schedules'),
  createSchedule: (schedule: NewSchedule) => post<{ schedule: Schedule }>('/api/schedules', schedule),
  runSchedule: (scheduleId: number) => post<{ job: Job }>(`/api/schedules/${id(scheduleId)}/run`),
  deleteSchedule: (scheduleId: number) => del(`/api/schedules/${id(scheduleId)}`),
  dropzone: () => get<Dropzone>('/api/dropzone'),
  audit: (query: { limit?: number; before?: string | number; actor?: string }) =>
    get<AuditPage>('/api/audit', { ...query }),
};
