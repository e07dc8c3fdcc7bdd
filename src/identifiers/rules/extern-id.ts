import { SHA256_HEX, SHA256_HEX_SQL } from '../catalog.js';
import { invalid, valid, type NormalizationRule, type SqlFragment } from '../rule.js';
import { precheck, sqlPrecheckReason, sqlTrim } from './common.js';

/** Control characters (C0, DEL, C1): a sign of binary or broken data, and unsafe in the files we write. */
const CONTROL = '\\p{Cc}';
const CONTROL_RE = new RegExp(CONTROL, 'u');

/**
 * Meta EXTERN_ID, Google thirdPartyUserId: the advertiser's own id, trimmed and otherwise kept as is (case too),
 * unless it is a SHA-256 digest: Meta refuses an unhashed key that looks hashed (platforms.md section 7), and with
 * it the whole row, its other identifiers too; dropped here, the row still goes with them.
 */
export const externIdRule: NormalizationRule = {
  name: 'extern_id',
  normalize(raw) {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    if (CONTROL_RE.test(pre.trimmed)) return invalid('invalid_extern_id');
    return SHA256_HEX.test(pre.trimmed) ? invalid('extern_id_hashed') : valid(pre.trimmed);
  },
  sql(input, env): SqlFragment {
    const t = env.ref('trimmed');
    return {
      prepare: { trimmed: sqlTrim(input) },
      value: t,
      reason: `coalesce(${sqlPrecheckReason(t)}, CASE WHEN regexp_matches(${t}, '${CONTROL}') THEN 'invalid_extern_id' WHEN regexp_matches(${t}, '${SHA256_HEX_SQL}') THEN 'extern_id_hashed' END)`,
    };
  },
};
