import { invalid, valid, type InvalidReason, type NormalizationRule, type Outcome, type SqlFragment } from '../rule.js';
import { keepClasses, lowerLikeSql, precheck, re2View, sqlKeepClasses, sqlLower, sqlPrecheckReason, sqlTrim } from './common.js';

/*
 * Names and cities for Meta: letters of any script and their combining marks, lower-case, NFC; spaces,
 * punctuation, digits and symbols removed ("Valéry" → "valéry", "Anne-Marie" → "annemarie").
 * Order on both sides: keep letters and marks, lower-case, NFC.
 */

const LETTER = '\\p{L}';
/** The first letter with its combining marks: what a first initial is made of. */
const INITIAL = '\\p{L}\\p{M}*';

function lettersOnly(trimmed: string): string {
  return lowerLikeSql(keepClasses(trimmed, ['L', 'M'])).normalize('NFC');
}

function makeLettersRule(name: string, reason: InvalidReason, initial: boolean): NormalizationRule {
  return {
    name,
    normalize(raw): Outcome {
      const pre = precheck(raw);
      if ('outcome' in pre) return pre.outcome;
      const letters = lettersOnly(pre.trimmed);
      const first = new RegExp(INITIAL, 'u').exec(letters)?.[0];
      if (first === undefined) return invalid(reason);
      return valid(initial ? first : letters);
    },
    sql(input, env): SqlFragment {
      const r = env.ref;
      return {
        prepare: { trimmed: sqlTrim(input) },
        // Separate layers: sqlLower uses its argument three times, and the removal should run once.
        prepareMore: [{ kept: sqlKeepClasses(r('trimmed'), ['L', 'M']) }, { letters: `nfc_normalize(${sqlLower(r('kept'))})` }],
        value: initial ? `regexp_extract(${r('letters')}, '${INITIAL}', 0)` : r('letters'),
        reason: `coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE WHEN NOT regexp_matches(${r('letters')}, '${LETTER}') THEN '${reason}' END)`,
      };
    },
  };
}

/** Meta FN and LN. */
export const nameRule = makeLettersRule('name', 'invalid_name', false);
/** Meta FI: the first letter of the normalized first name (a full first name or an initial like "J."). */
export const firstInitialRule = makeLettersRule('first_initial', 'invalid_name', true);
/** Meta CT: letters only, no spaces ("New York" → "newyork", "São Paulo" → "sãopaulo"). */
export const cityRule = makeLettersRule('city', 'invalid_city', false);

/**
 * Google Customer Match first and last names: trimmed, lower-case, NFC; inner spaces and punctuation kept (Google
 * only asks for lower-case). Invalid without any letter.
 */
export const nameGoogleRule: NormalizationRule = {
  name: 'name_google',
  normalize(raw): Outcome {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    const value = lowerLikeSql(pre.trimmed).normalize('NFC');
    return new RegExp(LETTER, 'u').test(re2View(value)) ? valid(value) : invalid('invalid_name');
  },
  sql(input, env): SqlFragment {
    const r = env.ref;
    return {
      prepare: { trimmed: sqlTrim(input) },
      prepareMore: [{ lowered: `nfc_normalize(${sqlLower(r('trimmed'))})` }],
      value: r('lowered'),
      reason: `coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE WHEN NOT regexp_matches(${r('lowered')}, '${LETTER}') THEN 'invalid_name' END)`,
    };
  },
};
