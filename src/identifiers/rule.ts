/**
 * A normalization rule exists twice: as a pure TypeScript reference (previews, discovery, table tests) and as
 * DuckDB SQL generated from the same definition (the bulk transform, where per-value work must stay vectorized).
 * Tests cross-check both on generated messy values, so they cannot drift apart.
 */

/** Why a value was dropped. Stable codes: they appear in reports and the API. */
export const INVALID_REASONS = {
  empty: 'empty or whitespace only',
  null_token: 'a placeholder such as "nan", "null", "none" or "n/a"',
  invalid_email: 'not a valid email address',
  invalid_phone_characters: 'phone contains letters or other characters',
  phone_too_short: 'phone too short for its country',
  phone_too_long: 'phone too long for its country',
  phone_invalid_length: 'phone length not used in its country',
  unknown_country_code: 'phone starts with an unknown country calling code',
  missing_country: 'national phone number with no country (map a COUNTRY column or set a default country)',
  unknown_country: 'unknown country',
  invalid_maid: 'not a valid mobile advertising id',
  zero_maid: 'all-zero mobile advertising id (limit ad tracking)',
  invalid_name: 'no letters left after normalization',
  invalid_city: 'no letters left after normalization',
  invalid_state: 'not a known state or region',
  invalid_zip: 'not a valid postal code',
  invalid_date: 'not a valid date',
  ambiguous_date: 'ambiguous day/month order (set the date format)',
  date_out_of_range: 'date outside 1900 to this year',
  invalid_gender: 'gender is not m or f or a known synonym',
  invalid_extern_id: 'external id is not printable text',
  extern_id_hashed: 'external id is a SHA-256 hash; it must be sent unhashed',
  not_sha256: 'not a SHA-256 hash in a pre-hashed column',
} as const;

export type InvalidReason = keyof typeof INVALID_REASONS;

export type DateFormat = 'YMD' | 'MDY' | 'DMY';

/** Settings of one dataset that rules depend on. */
export interface RuleContext {
  /** ISO 3166-1 alpha-2, upper-case: the country of rows that have none of their own. */
  defaultCountry?: string;
  /** Day/month order for ambiguous dates like 03/04/1990. Unset: such dates are invalid. */
  dateFormat?: DateFormat;
  /** Current year, for date-of-birth ranges; injectable so tests are stable. */
  currentYear?: number;
}

/** Facts about the row a value comes from. */
export interface RowContext {
  /** The row's own country (alpha-2, upper-case) from a mapped COUNTRY column, when valid. */
  country?: string;
}

export type Outcome = { ok: true; value: string } | { ok: false; reason: InvalidReason };

export const valid = (value: string): Outcome => ({ ok: true, value });
export const invalid = (reason: InvalidReason): Outcome => ({ ok: false, reason });

/** What a rule's SQL generator can use. */
export interface SqlEnv {
  ctx: RuleContext;
  /** SQL expression naming an intermediate this rule declared in `prepare`. */
  ref(name: string): string;
  /** A table alias private to this rule and column, for its joins. */
  alias(name: string): string;
  /**
   * SQL expression with the row's country (alpha-2 upper-case VARCHAR), already falling back to the default
   * country; NULL when neither is known. Usable in `joins`, `derive`, `value` and `reason`, not in `prepare`.
   */
  rowCountry: string;
}

/**
 * Each layer of intermediates is its own SELECT, so an intermediate is computed once however often later
 * expressions use it (DuckDB inlines lateral aliases and does not share work across CASE branches).
 */
export interface SqlFragment {
  /** Intermediates computed from the raw VARCHAR input expression, referenced later through env.ref(name). */
  prepare: Record<string, string>;
  /** Further layers before the joins; each may use the refs of `prepare` and of earlier layers. */
  prepareMore?: Record<string, string>[];
  /** `LEFT JOIN <lookup table> AS <env.alias(..)> ON ...` clauses; they must not multiply rows. */
  joins?: string[];
  /**
   * Layers after the joins. The first sees the join aliases, the refs and env.rowCountry; later ones the refs and
   * env.rowCountry. When a rule has `derive`, its `value` and `reason` no longer see the join aliases.
   */
  derive?: Record<string, string>[];
  /**
   * The normalized value, not hashed (unless `valueType` says otherwise); may be anything where `reason` is not NULL
   * (it is not evaluated there).
   */
  value: string;
  /**
   * SQL type of `value` when it is not text: a dictionary can answer with its values' hashes as an ENUM. Values are
   * VARCHAR otherwise. Not for the COUNTRY column, whose value also gives the row's country.
   */
  valueType?: string;
  /** NULL when valid, else a string literal with an InvalidReason code. */
  reason: string;
}

export interface NormalizationRule {
  /** Stable name, e.g. 'email', 'email_tiktok', 'phone'. */
  name: string;
  /** The reference implementation. `raw` is the cell as text (numbers already rendered without exponent). */
  normalize(raw: string | null | undefined, ctx: RuleContext, row?: RowContext): Outcome;
  /** SQL for the same rule, over `input`, a VARCHAR expression of the raw cell. */
  sql(input: string, env: SqlEnv): SqlFragment;
  /** Lookup tables (names) the SQL joins; created once per connection by `createLookupTables`. */
  lookups?: readonly string[];
}
