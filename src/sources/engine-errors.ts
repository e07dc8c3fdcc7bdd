import { AuError, isAuError, type ErrorCode } from '../errors.js';

/** What an engine error message says, with every piece of input content left out. */
export interface EngineErrorFacts {
  code: ErrorCode;
  /** Our own description of the problem; never DuckDB's text, which can quote the offending line. */
  problem: string;
  file?: string;
  line?: number;
}

const FILE_PATTERNS = [/Malformed JSON in file "([^"\n]+)"/, /file '([^'\n]+)'/, /file "([^"\n]+)"/, /^\s*file = (.+)$/m, /not a GZIP stream: (.+)$/m];
const LINE_PATTERNS = [/CSV Error on Line: (\d+)/, /\bin line (\d+)/, /in record\/value (\d+)/];

/**
 * Reads the facts out of a DuckDB error message. Only the file name, the line number and a classification are
 * kept; DuckDB's own wording is dropped because it may contain the row (`Original Line: ...`) or a cell value
 * (`Could not convert string '...'`).
 */
export function engineErrorFacts(message: string): EngineErrorFacts {
  let file: string | undefined;
  for (const pattern of FILE_PATTERNS) {
    const match = pattern.exec(message);
    if (match?.[1]) {
      file = match[1].trim();
      break;
    }
  }
  let line: number | undefined;
  for (const pattern of LINE_PATTERNS) {
    const match = pattern.exec(message);
    if (match?.[1]) {
      line = Number(match[1]);
      break;
    }
  }
  const facts = (code: ErrorCode, problem: string): EngineErrorFacts => ({ code, problem, ...(file ? { file } : {}), ...(line ? { line } : {}) });

  if (/Input is not a GZIP stream/i.test(message)) return facts('AU_INPUT_FORMAT', 'is not gzip-compressed');
  if (/No magic bytes found|too small to be a Parquet file|Parquet file is corrupt|Invalid Parquet|Couldn't deserialize thrift/i.test(message)) {
    return facts('AU_INPUT_CORRUPT', 'Parquet file is truncated or corrupt');
  }
  if (/gzip|zlib|inflate/i.test(message) && /corrupt|truncat|invalid|error/i.test(message)) return facts('AU_INPUT_CORRUPT', 'gzip stream is corrupt');
  if (/No files found that match/i.test(message)) return facts('AU_INPUT_NOT_FOUND', 'file not found');
  if (/not utf-8 encoded|Invalid unicode|invalid UTF-8/i.test(message)) return facts('AU_INPUT_ENCODING', 'is not valid UTF-8 text');
  if (/Expected Number of Columns/i.test(message)) return facts('AU_INPUT_RAGGED', 'a row has a different number of fields than the header');
  if (/not possible to automatically detect the CSV|Error when sniffing file/i.test(message)) {
    return facts('AU_INPUT_UNREADABLE', 'could not detect the CSV layout (delimiter, quoting, header)');
  }
  if (/state machine reached an invalid state/i.test(message)) {
    return facts('AU_INPUT_UNREADABLE', 'the CSV is not well-formed (mixed line ends or stray quotes)');
  }
  if (/Malformed JSON/i.test(message)) return facts('AU_INPUT_UNREADABLE', 'malformed JSON');
  if (/expected records, but got non-record JSON/i.test(message)) return facts('AU_INPUT_FORMAT', 'JSON records are not objects');
  if (/Maximum line size|maximum_object_size|exceeds the maximum/i.test(message)) return facts('AU_INPUT_UNREADABLE', 'a line or record is too large to read');
  if (/Out of Memory|could not allocate/i.test(message)) return facts('AU_INTERNAL', 'out of memory (raise the memory limit, e.g. --memory-limit 2GB)');
  if (/^(Binder|Parser|Catalog|Internal|Not implemented) Error/i.test(message)) return facts('AU_INTERNAL', `query failed (${message.split(':')[0]})`);
  if (/^IO Error/i.test(message)) return facts('AU_INPUT_UNREADABLE', 'file cannot be read');
  return facts('AU_INPUT_UNREADABLE', 'input cannot be read');
}

/**
 * Turns an error from a query over input files into an AuError naming the file (the one DuckDB names, else the
 * only input, else the inputs) and the line when known. AuErrors pass through. The original error is not kept
 * as `cause`: its message may hold input content, and causes end up in logs.
 */
export function wrapEngineError(error: unknown, inputs: readonly string[] = []): AuError {
  if (isAuError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const facts = engineErrorFacts(message);
  const file = facts.file ?? (inputs.length === 1 ? inputs[0] : undefined);
  const where = file ?? (inputs.length > 1 ? `one of ${inputs.length} input files` : 'input');
  const line = facts.line ? ` (line ${facts.line})` : '';
  return new AuError(facts.code, `${where}${line}: ${facts.problem}`, {
    ...(file ? { file } : {}),
    ...(facts.line ? { line: facts.line } : {}),
    engine: true,
  });
}
