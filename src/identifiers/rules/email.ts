import { invalid, valid, type NormalizationRule, type Outcome, type SqlFragment } from '../rule.js';
import { WHITESPACE_CHARS, lowerLikeSql, precheck, re2View, sqlLower, sqlPrecheckReason, sqlTrim } from './common.js';

/**
 * Local part: printable characters other than whitespace, '@' and a few specials; domain: dot-separated labels of
 * letters (any script), digits and inner hyphens, ending in a TLD of two or more letters. Written once for both
 * sides; only the whitespace class is spelled per engine (RE2's `\s` is ASCII only, JavaScript's is Unicode).
 * Lengths (local part up to 64, labels up to 63) are separate checks: counted repetitions of Unicode classes
 * make RE2 fall back to its slow matcher (`\p{L}{2,63}$` alone cost 7 s per million values).
 */
const emailPattern = (whitespace: string) =>
  `^[^${whitespace}@"(),:;<>\\[\\]\\\\]+@(?:[\\p{L}\\p{N}]+(?:-+[\\p{L}\\p{N}]+)*\\.)+\\p{L}\\p{L}+$`;
const EMAIL_PATTERN = emailPattern(WHITESPACE_CHARS);
const LOCAL_TOO_LONG = '^[^@]{65}';
/** A run of 64 characters without a dot after the '@'. */
const LABEL_TOO_LONG = '[^.@]{64}[^@]*$';
const EMAIL_CHECKS = [new RegExp(emailPattern('\\s'), 'u'), new RegExp(LOCAL_TOO_LONG, 'u'), new RegExp(LABEL_TOO_LONG, 'u')] as const;
const isEmail = (email: string) => {
  // Code points RE2 does not know must fail the letter classes here as they do in SQL.
  const view = re2View(email);
  return EMAIL_CHECKS[0].test(view) && !EMAIL_CHECKS[1].test(view) && !EMAIL_CHECKS[2].test(view);
};

/** Google asks to remove dots and a `+tag` from the local part of these domains only. */
const GMAIL = '^[^@]*@(?:gmail\\.com|googlemail\\.com)$';
const GMAIL_REGEX = new RegExp(GMAIL);

type EmailVariant = 'plain' | 'strip_plus_tag' | 'gmail';

function makeEmailRule(name: string, variant: EmailVariant): NormalizationRule {
  return {
    name,
    normalize(raw): Outcome {
      const pre = precheck(raw);
      if ('outcome' in pre) return pre.outcome;
      let email = lowerLikeSql(pre.trimmed).normalize('NFC');
      if (variant === 'strip_plus_tag') email = email.replace(/\+[^@]*@/u, '@');
      if (variant === 'gmail' && GMAIL_REGEX.test(email)) {
        const at = email.indexOf('@');
        email = `${email.slice(0, at).replace(/\+[^@]*/u, '').replaceAll('.', '')}${email.slice(at)}`;
      }
      return isEmail(email) ? valid(email) : invalid('invalid_email');
    },
    sql(input, env): SqlFragment {
      const r = env.ref;
      const lowered = r('lowered');
      let value = lowered;
      if (variant === 'strip_plus_tag') value = `regexp_replace(${lowered}, '\\+[^@]*@', '@')`;
      if (variant === 'gmail') {
        value = `CASE WHEN regexp_matches(${lowered}, '${GMAIL}') THEN replace(regexp_replace(split_part(${lowered}, '@', 1), '\\+[^@]*', ''), '.', '') || '@' || split_part(${lowered}, '@', 2) ELSE ${lowered} END`;
      }
      return {
        prepare: { trimmed: sqlTrim(input) },
        prepareMore: [{ lowered: `nfc_normalize(${sqlLower(r('trimmed'))})` }, { email: value }],
        value: r('email'),
        reason: `coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE WHEN NOT regexp_matches(${r('email')}, '${EMAIL_PATTERN}') OR regexp_matches(${r('email')}, '${LOCAL_TOO_LONG}') OR regexp_matches(${r('email')}, '${LABEL_TOO_LONG}') THEN 'invalid_email' END)`,
      };
    },
  };
}

/** Meta, Snap: trim and lower-case. */
export const emailRule = makeEmailRule('email', 'plain');
/** TikTok: also remove a `+tag` before the `@`. */
export const emailTiktokRule = makeEmailRule('email_tiktok', 'strip_plus_tag');
/** Google Customer Match: for gmail.com and googlemail.com also remove dots and a `+tag` from the local part. */
export const emailGoogleRule = makeEmailRule('email_google', 'gmail');
