/**
 * The one place requests leave the process. Connectors build requests; a transport sends them. The dry run swaps
 * in a transport that writes requests to files and answers with the connector's canned replies.
 */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** JSON or form text, or multipart form data (TikTok file uploads). */
  body?: string | FormData;
  /** Short label for progress and dry-run file names, e.g. `upload-file`. */
  label: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface Transport {
  send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse>;
}

/** The network, through Node's fetch; every request has a timeout. */
export const fetchTransport: Transport = {
  async send(request, timeoutMs) {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  },
};

/** Failures that say nothing reached the platform's logic or that the answer was lost: worth retrying. */
export function describeNetworkError(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'the request timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name did not resolve';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'the connection timed out';
  if (error.message === 'fetch failed' || error instanceof TypeError) return `the connection failed${cause?.message ? ` (${cause.message})` : ''}`;
  return null;
}
