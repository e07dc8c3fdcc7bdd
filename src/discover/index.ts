export {
  discoverSchema,
  validateSampleRows,
  DEFAULT_SAMPLE_ROWS,
  MAX_SAMPLE_ROWS,
  type DiscoverOptions,
  type DiscoveryReport,
  type ColumnDiscovery,
} from './discover.js';
export { judgeColumn, contentTypeOf, supportFor, sharesOf, CONTENT_TYPES, MATCH_KINDS, type ColumnStats, type ContentType, type MatchKind, type Suggestion, type ColumnVerdict } from './classify.js';
export { nameHint, normalizeColumnName, type NameHint } from './names.js';
export { maskEmail, maskPhone, maskName, maskHash, maskUuid, maskGeneric, maskValue, type MaskKind } from './mask.js';
export { formatDiscoveryTable } from './format.js';
