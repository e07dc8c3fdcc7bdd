import { sqlString } from '../../engine/duckdb.js';
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

/*
 * SQL fast path for the common case, a clean ASCII address. A value of at most 64 characters, all printable ASCII
 * other than space, in the shape below (EMAIL_PATTERN's shape with ASCII classes, `[a-zA-Z]` for `\p{L}` and
 * `[0-9]` for `\p{N}`) normalizes to its ASCII lower-case: there is nothing to trim, the final-sigma step and NFC
 * change nothing, lower() maps A-Z to a-z only. Lower-casing keeps the shape, and 64 characters leave no room
 * for a 65-character local part or a 64-character label, so the address is valid. For TikTok the local part
 * must not start with '+' (removing the `+tag` must leave something); gmail addresses still run the full checks.
 */
const FAST_MAX_LENGTH = 64;
/** Printable ASCII except space and the characters EMAIL_PATTERN excludes from the local part ("(),:;<>@[\]). */
const ASCII_LOCAL_CHARS = "!#-'*+./0-9=?A-Z^-~-";
const asciiEmailPattern = (firstLocalChars: string) =>
  `[${firstLocalChars}][${ASCII_LOCAL_CHARS}]*@(?:[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*\\.)+[a-zA-Z][a-zA-Z]+`;
const FAST_PATTERNS: Record<EmailVariant, string> = {
  plain: asciiEmailPattern(ASCII_LOCAL_CHARS),
  strip_plus_tag: asciiEmailPattern(ASCII_LOCAL_CHARS.replace('+', '')),
  gmail: asciiEmailPattern(ASCII_LOCAL_CHARS),
};

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
      const [raw, fast, trimmed, lowered, email] = [r('raw'), r('fast'), r('trimmed'), r('lowered'), r('email')];
      let value = lowered;
      // The guards only skip regular expressions that could not match: a '+' to remove, a gmail domain to edit.
      if (variant === 'strip_plus_tag') value = `CASE WHEN contains(${lowered}, '+') THEN regexp_replace(${lowered}, '\\+[^@]*@', '@') ELSE ${lowered} END`;
      if (variant === 'gmail') {
        value = `CASE WHEN ends_with(${lowered}, 'mail.com') AND regexp_matches(${lowered}, '${GMAIL}') THEN replace(regexp_replace(split_part(${lowered}, '@', 1), '\\+[^@]*', ''), '.', '') || '@' || split_part(${lowered}, '@', 2) ELSE ${lowered} END`;
      }
      // Both length checks need 64 or more characters (RE2 and length() both count code points).
      const checks = `CASE WHEN NOT regexp_matches(${email}, '${EMAIL_PATTERN}') THEN 'invalid_email' WHEN length(${email}) < 64 THEN NULL WHEN regexp_matches(${email}, '${LOCAL_TOO_LONG}') OR regexp_matches(${email}, '${LABEL_TOO_LONG}') THEN 'invalid_email' END`;
      return {
        prepare: { raw: input, fast: `regexp_full_match(${input}, ${sqlString(FAST_PATTERNS[variant])}) AND strlen(${input}) <= ${FAST_MAX_LENGTH}` },
        prepareMore: [
          { trimmed: `CASE WHEN ${fast} THEN ${raw} ELSE ${sqlTrim(raw)} END` },
          { lowered: `CASE WHEN ${fast} THEN lower(${trimmed}) ELSE nfc_normalize(${sqlLower(trimmed)}) END` },
          { email: value },
          // Computed once here: the query builder uses a rule's reason twice.
          {
            reason: `CASE WHEN ${fast} THEN ${variant === 'gmail' ? checks : 'NULL'} ELSE coalesce(${sqlPrecheckReason(trimmed)}, ${checks}) END`,
          },
        ],
        value: email,
        reason: r('reason'),
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
