import { invalid, valid, type NormalizationRule, type SqlFragment } from '../rule.js';
import { precheck, sqlPrecheckReason, sqlTrim } from './common.js';

/*
 * Mobile advertising ids (IDFA, GAID): trimmed, lower-case, UUID form 8-4-4-4-12 with hyphens. 32 hex digits
 * without hyphens are accepted and given their hyphens, since platforms match the hyphenated form. The all-zero
 * id is what a device sends when the user limited ad tracking: it identifies nobody.
 * The pattern is checked before lower-casing, so only ASCII passes.
 */
const UUID = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
const HEX32 = '^[0-9A-Fa-f]{32}$';
const ZERO = '^[0-]+$';
const UUID_RE = new RegExp(UUID);
const HEX32_RE = new RegExp(HEX32);
const ZERO_RE = new RegExp(ZERO);

/** TikTok IDFA/GAID (hashed), Meta MADID (raw), Snap MOBILE_AD_ID (hashed), Google mobileId (raw). */
export const maidRule: NormalizationRule = {
  name: 'maid',
  normalize(raw) {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    const id = pre.trimmed;
    let value: string;
    if (UUID_RE.test(id)) value = id.toLowerCase();
    else if (HEX32_RE.test(id)) value = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`.toLowerCase();
    else return invalid('invalid_maid');
    return ZERO_RE.test(value) ? invalid('zero_maid') : valid(value);
  },
  sql(input, env): SqlFragment {
    const t = env.ref('trimmed');
    const hyphenated = `substr(${t}, 1, 8) || '-' || substr(${t}, 9, 4) || '-' || substr(${t}, 13, 4) || '-' || substr(${t}, 17, 4) || '-' || substr(${t}, 21)`;
    return {
      prepare: { trimmed: sqlTrim(input) },
      value: `lower(CASE WHEN regexp_matches(${t}, '${HEX32}') THEN ${hyphenated} ELSE ${t} END)`,
      reason: `coalesce(${sqlPrecheckReason(t)}, CASE
        WHEN NOT (regexp_matches(${t}, '${UUID}') OR regexp_matches(${t}, '${HEX32}')) THEN 'invalid_maid'
        WHEN regexp_matches(${t}, '${ZERO}') THEN 'zero_maid' END)`,
    };
  },
};
