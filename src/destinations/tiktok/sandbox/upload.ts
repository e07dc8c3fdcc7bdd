import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { FastifyRequest } from 'fastify';
import { TiktokApiError, TiktokCode } from './envelope.js';

/** What an upload request carried, read before anything is judged so the checks can run in TikTok's order. */
export interface UploadRequest {
  fields: Map<string, string>;
  file: ReceivedFile | null;
  /** The file passed the size limit; the rest of it was dropped. */
  tooLarge: boolean;
}

export interface ReceivedFile {
  bytes: number;
  md5: string;
  lines: string[];
}

/**
 * Reads the multipart body: plain fields, and the `file` part streamed through MD5 and a line splitter, so a
 * large file is never held as one buffer or one string. Other file parts are drained and ignored.
 */
export async function readUploadRequest(request: FastifyRequest): Promise<UploadRequest> {
  const upload: UploadRequest = { fields: new Map(), file: null, tooLarge: false };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!upload.fields.has(part.fieldname)) upload.fields.set(part.fieldname, String(part.value));
      } else if (part.fieldname === 'file' && upload.file === null) {
        upload.file = await receiveFile(part.file);
      } else {
        for await (const _chunk of part.file);
      }
    }
  } catch (error) {
    if (errorCode(error) === 'FST_REQ_FILE_TOO_LARGE') upload.tooLarge = true;
    else if (errorCode(error) === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      throw new TiktokApiError(TiktokCode.parameterError, 'Content-Type must be multipart/form-data.');
    } else if (errorCode(error) === 'FST_FILES_LIMIT') {
      throw new TiktokApiError(TiktokCode.parameterError, 'file: only one file may be uploaded per request.');
    } else throw error;
  }
  return upload;
}

/**
 * Lines are LF-separated; a CR before the LF, one final newline and a UTF-8 byte order mark are tolerated
 * (spreadsheet exports add them; TikTok's documentation does not say, so the sandbox is lenient there).
 */
async function receiveFile(stream: AsyncIterable<Buffer>): Promise<ReceivedFile> {
  const md5 = createHash('md5');
  const decoder = new StringDecoder('utf8');
  const lines: string[] = [];
  const addLine = (line: string) => {
    const withoutBom = lines.length === 0 ? line.replace(/^\uFEFF/, '') : line;
    lines.push(withoutBom.endsWith('\r') ? withoutBom.slice(0, -1) : withoutBom);
  };
  let bytes = 0;
  let pending = '';
  for await (const chunk of stream) {
    md5.update(chunk);
    bytes += chunk.length;
    pending += decoder.write(chunk);
    const complete = pending.split('\n');
    // The text after the last LF may continue in the next chunk.
    pending = complete.pop() ?? '';
    for (const line of complete) addLine(line);
  }
  if (bytes > 0) addLine(pending + decoder.end());
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return { bytes, md5: md5.digest('hex'), lines };
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
