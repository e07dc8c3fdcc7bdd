import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

/** Replaces every secret (and anything derived from it, given too) with a named placeholder. */
export function redact(text: string, secrets: readonly { value: string; name: string }[]): string {
  let out = text;
  for (const { value, name } of secrets) if (value) out = out.split(value).join(`<${name}>`);
  return out;
}

/**
 * The dry run's transport: writes each request, exactly as it would go out but with secrets replaced by
 * placeholders, to a numbered JSON file, and answers with the destination's canned reply. Nothing is sent.
 */
export class RecordingTransport implements Transport {
  private count = 0;

  constructor(
    private readonly dir: string,
    private readonly answer: (request: HttpRequest) => HttpResponse,
    private readonly secrets: readonly { value: string; name: string }[],
    /** How a multipart file part is described: the output file it comes from. */
    private readonly describeFile: (name: string) => Record<string, unknown> = (name) => ({ file: name }),
  ) {
    mkdirSync(dir, { recursive: true });
  }

  get written(): number {
    return this.count;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const record = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: describeBody(request.body, this.describeFile),
    };
    const name = `${String(++this.count).padStart(5, '0')}-${request.label}.json`;
    writeFileSync(join(this.dir, name), redact(`${JSON.stringify(record, null, 2)}\n`, this.secrets));
    return this.answer(request);
  }
}

function describeBody(body: HttpRequest['body'], describeFile: (name: string) => Record<string, unknown>): unknown {
  if (body === undefined) return undefined;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return body;
    }
  }
  const fields: Record<string, unknown> = { contentType: 'multipart/form-data' };
  for (const [key, value] of body.entries()) fields[key] = typeof value === 'string' ? value : describeFile(value.name);
  return fields;
}
