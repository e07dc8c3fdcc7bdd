import { invalid, valid, type NormalizationRule, type SqlFragment } from '../rule.js';
import { precheck, sqlPrecheckReason, sqlTrim } from './common.js';

/** Control characters (C0, DEL, C1): a sign of binary or broken data, and unsafe in the files we write. */
const CONTROL = '\\p{Cc}';
const CONTROL_RE = new RegExp(CONTROL, 'u');

/** Meta EXTERN_ID, Google thirdPartyUserId: the advertiser's own id, trimmed and otherwise kept as is (case too). */
export const externIdRule: NormalizationRule = {
  name: 'extern_id',
  normalize(raw) {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    return CONTROL_RE.test(pre.trimmed) ? invalid('invalid_extern_id') : valid(pre.trimmed);
  },
  sql(input, env): SqlFragment {
    const t = env.ref('trimmed');
    return {
      prepare: { trimmed: sqlTrim(input) },
      value: t,
      reason: `coalesce(${sqlPrecheckReason(t)}, CASE WHEN regexp_matches(${t}, '${CONTROL}') THEN 'invalid_extern_id' END)`,
    };
  },
};
