// Plain words for the reasons a value is invalid (the server's INVALID_REASONS, src/identifiers/rule.ts).
// Unknown reasons are shown as they come.

const REASONS: Record<string, string> = {
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
  not_sha256: 'not a SHA-256 hash in a pre-hashed column',
};

export function reasonLabel(reason: string): string {
  return REASONS[reason] ?? reason.replace(/_/g, ' ');
}

/** Reasons with their counts, largest first, zero counts left out. */
export function reasonEntries(byReason: Record<string, number> | null | undefined): [string, number][] {
  if (!byReason) return [];
  return Object.entries(byReason)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1]);
}
