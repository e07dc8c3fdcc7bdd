import { invalid, valid, type NormalizationRule, type Outcome } from '../rule.js';
import { precheck, sqlPrecheckReason, sqlTrim } from './common.js';

/**
 * Local part: printable characters other than space and '@'; domain: dot-separated labels of letters (any
 * script), digits and inner hyphens, ending in a TLD of two or more letters. Written once, used by both sides.
 */
const EMAIL_PATTERN = "^[^\\s@\"(),:;<>\\[\\]\\\\]{1,64}@(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?\\.)+\\p{L}{2,63}$";
const EMAIL_REGEX = new RegExp(EMAIL_PATTERN, 'u');

type EmailVariant = 'plain' | 'strip_plus_tag';

function makeEmailRule(name: string, variant: EmailVariant): NormalizationRule {
  return {
    name,
    normalize(raw): Outcome {
      const pre = precheck(raw);
      if ('outcome' in pre) return pre.outcome;
      let email = pre.trimmed.toLowerCase().normalize('NFC');
      if (variant === 'strip_plus_tag') email = email.replace(/\+[^@]*@/u, '@');
      return EMAIL_REGEX.test(email) ? valid(email) : invalid('invalid_email');
    },
    sql(input, env) {
      const lowered = `nfc_normalize(lower(${env.ref('trimmed')}))`;
      const value = variant === 'strip_plus_tag' ? `regexp_replace(${lowered}, '\\+[^@]*@', '@')` : lowered;
      return {
        prepare: { trimmed: sqlTrim(input) },
        value,
        reason: `coalesce(${sqlPrecheckReason(env.ref('trimmed'))}, CASE WHEN NOT regexp_matches(${value}, '${EMAIL_PATTERN}') THEN 'invalid_email' END)`,
      };
    },
  };
}

/** Meta, Snap: trim and lower-case. */
export const emailRule = makeEmailRule('email', 'plain');
/** TikTok: also remove a `+tag` before the `@`. */
export const emailTiktokRule = makeEmailRule('email_tiktok', 'strip_plus_tag');
