import type { IdentifierType } from '../identifiers/catalog.js';
import type { MaskKind } from './mask.js';
import { nameHint, type NameHint } from './names.js';

/** What a column's values look like, from the sample. */
export const CONTENT_TYPES = [
  'empty',
  'email',
  'phone',
  'sha256',
  'md5',
  'uuid',
  'date',
  'year',
  'number',
  'country_code',
  'country_name',
  'gender',
  'postal_code',
  'text',
  'mixed',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** Pattern counts over a column's non-empty sampled values (see stats-sql.ts for the exact patterns). */
export const MATCH_KINDS = [
  'email',
  'sha256',
  'md5',
  'uuid',
  /** Written like a phone: digits with `+`, spaces, dashes, dots or parentheses, 7 to 15 digits. */
  'phone',
  /** Only digits, 7 to 15 of them (a phone without formatting, or a long id). */
  'phoneDigits',
  'digits',
  'number',
  'date',
  /** YYYYMMDD. */
  'compactDate',
  'year',
  'month',
  'day',
  'countryCode',
  'countryName',
  'gender',
  /** US ZIP(+4), UK and Canadian postcodes. */
  'postal',
  /** Short letters-and-digits codes with a digit (postal codes of any country). */
  'postalLike',
  /** Letters (any script), spaces, dots, apostrophes and hyphens: names, cities, regions. */
  'alpha',
  'initial',
] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

export interface ColumnStats {
  rows: number;
  /** NULL, blank or whitespace. */
  empty: number;
  /** Placeholder text such as `nan`, `null`, `n/a`. */
  placeholders: number;
  /** Distinct non-empty values. */
  distinct: number;
  matches: Record<MatchKind, number>;
}

export interface Suggestion {
  type: IdentifierType;
  /** 0..1. */
  confidence: number;
  prehashed: boolean;
  /** Why, in a few words; never a value. */
  reason: string;
}

export interface ColumnVerdict {
  contentType: ContentType;
  prehashed: boolean;
  hash?: 'sha256' | 'md5';
  suggestion: Suggestion | null;
  warnings: string[];
  /** Shares (0..1) of the non-empty values matching each kind; only the non-zero ones. */
  shares: Partial<Record<MatchKind, number>>;
  mask: MaskKind;
}

const STRONG = 0.8;
const HASHABLE = new Set<IdentifierType>(['EMAIL', 'PHONE', 'IDFA', 'GAID', 'MAID', 'FN', 'LN', 'FI', 'ZIP', 'CT', 'ST', 'COUNTRY', 'DOB', 'DOBY', 'DOBM', 'DOBD', 'GEN', 'EXTERN_ID']);
const AD_IDS = new Set<IdentifierType>(['IDFA', 'GAID', 'MAID']);

const round2 = (n: number) => Math.round(n * 100) / 100;
const pct = (share: number) => `${Math.round(share * 100)}%`;

export function nonEmptyCount(stats: ColumnStats): number {
  return Math.max(0, stats.rows - stats.empty - stats.placeholders);
}

export function sharesOf(stats: ColumnStats): Record<MatchKind, number> {
  const n = nonEmptyCount(stats);
  const shares = {} as Record<MatchKind, number>;
  for (const kind of MATCH_KINDS) shares[kind] = n === 0 ? 0 : stats.matches[kind] / n;
  return shares;
}

/** The content type from the shares: the first kind most values match, in order of specificity. */
export function contentTypeOf(stats: ColumnStats): ContentType {
  if (nonEmptyCount(stats) === 0) return 'empty';
  const s = sharesOf(stats);
  if (s.sha256 >= STRONG) return 'sha256';
  if (s.md5 >= STRONG) return 'md5';
  if (s.uuid >= STRONG) return 'uuid';
  if (s.email >= STRONG) return 'email';
  if (s.date + s.compactDate >= STRONG && s.date > 0) return 'date';
  if (s.phone >= STRONG) return 'phone';
  if (s.year >= STRONG) return 'year';
  if (s.gender >= STRONG) return 'gender';
  if (s.countryCode >= STRONG) return 'country_code';
  if (s.countryName >= STRONG) return 'country_name';
  if (s.postal >= STRONG && s.digits < STRONG) return 'postal_code';
  if (s.number >= STRONG) return 'number';
  const strongest = Math.max(s.sha256, s.md5, s.uuid, s.email, s.phone);
  if (strongest >= 0.2) return 'mixed';
  return 'text';
}

/** The share of values that look like what a type needs; undefined when anything goes (external ids). */
export function supportFor(type: IdentifierType, s: Record<MatchKind, number>): number | undefined {
  switch (type) {
    case 'EMAIL':
      return s.email;
    case 'PHONE':
      return Math.min(1, s.phone + s.phoneDigits);
    case 'IDFA':
    case 'GAID':
    case 'MAID':
      return s.uuid;
    case 'FN':
    case 'LN':
    case 'CT':
    case 'ST':
      return s.alpha;
    case 'FI':
      return s.initial;
    case 'ZIP':
      return Math.max(s.postal, s.postalLike);
    case 'COUNTRY':
      return Math.min(1, s.countryCode + s.countryName);
    case 'DOB':
      return Math.min(1, s.date + s.compactDate);
    case 'DOBY':
      return s.year;
    case 'DOBM':
      return s.month;
    case 'DOBD':
      return s.day;
    case 'GEN':
      return s.gender;
    case 'EXTERN_ID':
      return undefined;
  }
}

const CONTENT_LABEL: Partial<Record<ContentType, string>> = { email: 'emails', phone: 'phone numbers', uuid: 'UUIDs', sha256: 'SHA-256 hashes', md5: 'MD5 hashes' };

function maskFor(contentType: ContentType, suggestion: Suggestion | null): MaskKind {
  if (contentType === 'sha256' || contentType === 'md5') return 'hash';
  if (contentType === 'uuid') return 'uuid';
  if (contentType === 'email') return 'email';
  if (contentType === 'phone' || suggestion?.type === 'PHONE') return 'phone';
  if (suggestion && ['FN', 'LN', 'CT'].includes(suggestion.type)) return 'name';
  return 'generic';
}

/** Suggestion from strong content (emails, phones, UUIDs), which beats a disagreeing name. */
function fromContent(contentType: ContentType, share: number, hint: NameHint | undefined, warnings: string[]): Suggestion | null {
  const label = CONTENT_LABEL[contentType] ?? contentType;
  const reason = `${pct(share)} of values are ${label}`;
  if (contentType === 'email' || contentType === 'phone') {
    const type: IdentifierType = contentType === 'email' ? 'EMAIL' : 'PHONE';
    const agrees = hint?.type === type;
    if (hint && !agrees) warnings.push(`the name suggests ${hint.type} but the values are ${label}`);
    return { type, confidence: round2(agrees ? Math.min(0.99, 0.5 + 0.5 * share) : 0.5 + 0.4 * share), prehashed: false, reason: agrees ? `${reason}, as the name says` : reason };
  }
  if (contentType === 'uuid') {
    if (hint && AD_IDS.has(hint.type)) return { type: hint.type, confidence: round2(Math.min(0.99, 0.5 + 0.5 * share)), prehashed: false, reason: `${reason}, as the name says` };
    if (hint?.type === 'EXTERN_ID') return { type: 'EXTERN_ID', confidence: round2(hint.score), prehashed: false, reason: `${reason}; the name says an id of your own` };
    if (hint) warnings.push(`the name suggests ${hint.type} but the values are UUIDs`);
    return { type: 'MAID', confidence: 0.5, prehashed: false, reason: `${reason}: mobile advertising ids, or ids of your own (check)` };
  }
  return null;
}

/**
 * The verdict on one column: content type, whether it is pre-hashed, a suggested identifier with a confidence,
 * and warnings. Strong content (emails, phones written as phones, UUIDs, hashes) beats the name; otherwise the
 * name decides and the content raises or lowers the confidence.
 */
export function judgeColumn(name: string, stats: ColumnStats): ColumnVerdict {
  const hint = nameHint(name);
  const s = sharesOf(stats);
  const shares = Object.fromEntries(Object.entries(s).filter(([, v]) => v > 0).map(([k, v]) => [k, Math.round(v * 1000) / 1000])) as Partial<Record<MatchKind, number>>;
  const contentType = contentTypeOf(stats);
  const warnings: string[] = [];
  const done = (suggestion: Suggestion | null, extra: Partial<ColumnVerdict> = {}): ColumnVerdict => ({
    contentType,
    prehashed: false,
    suggestion,
    warnings,
    shares,
    mask: maskFor(contentType, suggestion),
    ...extra,
  });

  if (contentType === 'empty') {
    warnings.push('no values in the sample');
    return done(hint ? { type: hint.type, confidence: round2(hint.score * 0.5), prehashed: hint.prehashed, reason: 'from the name only; no values in the sample' } : null);
  }

  // Pre-hashed: the name has to say what was hashed.
  if (contentType === 'sha256' || contentType === 'md5') {
    const share = contentType === 'sha256' ? s.sha256 : s.md5;
    const algo = contentType === 'sha256' ? 'SHA-256' : 'MD5';
    if (share < 1) warnings.push(`${pct(1 - share)} of values are not ${algo} hashes; they will count as invalid`);
    if (contentType === 'md5') warnings.push('MD5 hashes: most destinations take SHA-256 only');
    const extra = { prehashed: true, hash: contentType } as const;
    if (hint && HASHABLE.has(hint.type)) {
      const confidence = round2(Math.min(0.99, 0.35 + 0.5 * hint.score * share + (hint.prehashed ? 0.1 : 0)));
      return done({ type: hint.type, confidence, prehashed: true, reason: `${pct(share)} of values are ${algo} hashes; the name says ${hint.type}` }, extra);
    }
    warnings.push(`values are already hashed (${algo}) and the name does not say of what; choose the identifier`);
    return done(null, extra);
  }
  if (s.sha256 >= 0.05) warnings.push(`mixed: ${pct(s.sha256)} of values are SHA-256 hashes and the rest are not`);
  if (hint?.prehashed) warnings.push('the name says hashed but the values are not hashes');

  const strongShare = contentType === 'email' ? s.email : contentType === 'phone' ? s.phone : contentType === 'uuid' ? s.uuid : 0;
  const strong = fromContent(contentType, strongShare, hint, warnings);
  if (strong) {
    if (strongShare < 0.95) warnings.push(`${pct(1 - strongShare)} of values are not ${CONTENT_LABEL[contentType]}`);
    return done(strong);
  }

  if (hint) {
    const support = supportFor(hint.type, s);
    if (support === undefined) return done({ type: hint.type, confidence: round2(hint.score * 0.85), prehashed: false, reason: 'from the name' });
    if (support >= STRONG) {
      return done({ type: hint.type, confidence: round2(Math.min(0.99, 0.5 * hint.score + 0.5 * support + 0.05)), prehashed: false, reason: `from the name; ${pct(support)} of values fit` });
    }
    if (support >= 0.3) {
      warnings.push(`only ${pct(support)} of values look like ${hint.type}`);
      return done({ type: hint.type, confidence: round2(hint.score * (0.4 + 0.5 * support)), prehashed: false, reason: `from the name; ${pct(support)} of values fit` });
    }
    warnings.push(`the name suggests ${hint.type} but only ${pct(support)} of values look like one`);
    return done({ type: hint.type, confidence: round2(hint.score * 0.2), prehashed: false, reason: `from the name, against the content` });
  }

  if (contentType === 'country_code' || contentType === 'country_name') {
    return done({ type: 'COUNTRY', confidence: round2(0.4 + 0.3 * (s.countryCode + s.countryName)), prehashed: false, reason: `${pct(s.countryCode + s.countryName)} of values are countries` });
  }
  if (contentType === 'gender' && stats.distinct <= 8) {
    return done({ type: 'GEN', confidence: round2(0.4 + 0.3 * s.gender), prehashed: false, reason: `${pct(s.gender)} of values are genders` });
  }
  return done(null);
}
