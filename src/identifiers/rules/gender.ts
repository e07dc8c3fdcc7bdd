import { invalid, valid, type NormalizationRule, type SqlFragment } from '../rule.js';
import { asciiKey, precheck, sqlAsciiKey, sqlList, sqlPrecheckReason, sqlTrim } from './common.js';

/*
 * Meta GEN: 'm' or 'f'. Matched on the ASCII key (accents, case, punctuation and spaces ignored: "Männlich",
 * "F.", " FEMALE "). Single letters other than m, f and w (German "weiblich") are left out as ambiguous ("h" is
 * "homme" in French but nothing in English; Spanish forms use "M" for "mujer", which we cannot tell apart).
 */
export const MALE_SYNONYMS = ['m', 'male', 'man', 'masculine', 'masc', 'homme', 'masculin', 'masculino', 'maschio', 'mannlich', 'mann', 'hombre', 'uomo', 'varon', 'mannelijk'] as const;
export const FEMALE_SYNONYMS = ['f', 'female', 'woman', 'feminine', 'fem', 'femme', 'feminin', 'femenino', 'feminino', 'femmina', 'weiblich', 'w', 'frau', 'mujer', 'donna', 'vrouw', 'vrouwelijk'] as const;
const MALE = new Set<string>(MALE_SYNONYMS);
const FEMALE = new Set<string>(FEMALE_SYNONYMS);

export const genderRule: NormalizationRule = {
  name: 'gender',
  normalize(raw) {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    const key = asciiKey(pre.trimmed);
    if (MALE.has(key)) return valid('m');
    if (FEMALE.has(key)) return valid('f');
    return invalid('invalid_gender');
  },
  sql(input, env): SqlFragment {
    const r = env.ref;
    return {
      prepare: { trimmed: sqlTrim(input) },
      prepareMore: [{ key: sqlAsciiKey(r('trimmed')) }],
      value: `CASE WHEN list_contains(${sqlList(MALE_SYNONYMS)}, ${r('key')}) THEN 'm' ELSE 'f' END`,
      reason: `coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE WHEN NOT (list_contains(${sqlList(MALE_SYNONYMS)}, ${r('key')}) OR list_contains(${sqlList(FEMALE_SYNONYMS)}, ${r('key')})) THEN 'invalid_gender' END)`,
    };
  },
};
