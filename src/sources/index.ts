export * from './types.js';
export { resolveInputs, isBookkeepingName, assertOneFormat, describeInputs, type ResolveOptions } from './resolve.js';
export { openSource, estimateTextRows, REJECT_EXAMPLES, type OpenSourceOptions } from './open.js';
export { detectFile, classifyContent, formatFromName, looksLikeJson, headStats, gunzipHead, verifyGzip, PEEK_BYTES, type ContentClass } from './detect.js';
export { wrapEngineError, engineErrorFacts, type EngineErrorFacts } from './engine-errors.js';
export { castToTextSql, plainNumberSql, jsonToTextSql } from './sql-text.js';
export { headerLooksLikeData, cleanColumnNames, rejectReason, type CsvLayout } from './csv.js';
