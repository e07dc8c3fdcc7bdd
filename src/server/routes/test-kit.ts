import { randomBytes } from 'node:crypto';

/** Test helpers of the domain routes: multipart bodies as a browser sends them. */

export interface MultipartPart {
  field: string;
  /** A file part when set; a plain field otherwise. */
  filename?: string;
  content: string | Buffer;
}

export function multipart(parts: readonly MultipartPart[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----au-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = part.filename === undefined ? `form-data; name="${part.field}"` : `form-data; name="${part.field}"; filename="${part.filename}"`;
    const type = part.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Reads server-sent events from a fetch response until `stop` says so; returns every event read. */
export async function readEvents(response: Response, stop: (event: { event: string; data: string }) => boolean): Promise<{ event: string; data: string }[]> {
  const events: { event: string; data: string }[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        if (lines.every((line) => line.startsWith(':'))) continue;
        const event = { event: 'message', data: '' };
        for (const line of lines) {
          if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data += line.slice(6);
        }
        events.push(event);
        if (stop(event)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
