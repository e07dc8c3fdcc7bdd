import type { NormalizationRule, RuleContext } from '../identifiers/rule.js';
import { emailRule, emailTiktokRule } from '../identifiers/rules/email.js';
import { maidRule } from '../identifiers/rules/maid.js';
import { nameGoogleRule, nameRule } from '../identifiers/rules/name.js';
import { phoneE164Rule, phoneRule } from '../identifiers/rules/phone.js';
import { countryRule, stateRule, zipRule } from '../identifiers/rules/region.js';

/** One golden vector of /work/shared/platforms.md section 2: input → normalized → sha256. */
export interface GoldenVector {
  label: string;
  rule: NormalizationRule;
  input: string;
  ctx: RuleContext;
  /** The row's COUNTRY cell, when the vector's country comes from a column rather than the default. */
  rowCountry?: string;
  normalized: string;
  sha256: string;
}

export const GOLDEN_VECTORS: readonly GoldenVector[] = [
  { label: 'Meta EMAIL', rule: emailRule, input: 'Mary@Example.com ', ctx: {}, normalized: 'mary@example.com', sha256: 'f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79' },
  { label: 'Meta PHONE', rule: phoneRule, input: '+1 (555) 987-6543', ctx: {}, normalized: '15559876543', sha256: '1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e' },
  { label: 'Meta PHONE, default US', rule: phoneRule, input: '(650)555-1212', ctx: { defaultCountry: 'US' }, normalized: '16505551212', sha256: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176' },
  { label: 'Meta FN', rule: nameRule, input: 'Mary', ctx: {}, normalized: 'mary', sha256: '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec' },
  { label: 'Meta FN', rule: nameRule, input: 'Valéry', ctx: {}, normalized: 'valéry', sha256: '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c' },
  { label: 'Meta FN, decomposed input', rule: nameRule, input: 'Vale\u0301ry', ctx: {}, normalized: 'valéry', sha256: '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c' },
  { label: 'Meta COUNTRY', rule: countryRule, input: 'United States', ctx: {}, normalized: 'us', sha256: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621' },
  { label: 'Meta ZIP (UK default)', rule: zipRule, input: 'M1 1AE', ctx: { defaultCountry: 'GB' }, normalized: 'm11ae', sha256: '1dc694c2070e697769fb959b50671d76cafd430d8ca191fbdd0affcaea344ac5' },
  { label: 'Meta ZIP (UK row)', rule: zipRule, input: 'M1 1AE', ctx: { defaultCountry: 'US' }, rowCountry: 'United Kingdom', normalized: 'm11ae', sha256: '1dc694c2070e697769fb959b50671d76cafd430d8ca191fbdd0affcaea344ac5' },
  { label: 'Meta ST (US default)', rule: stateRule, input: 'New York', ctx: { defaultCountry: 'US' }, normalized: 'ny', sha256: '1b06e2003f8420d6fa42badd8f77ec0f706b976b7a48b13c567dc5a559681683' },
  { label: 'Meta ST (US row)', rule: stateRule, input: 'New York', ctx: {}, rowCountry: 'USA', normalized: 'ny', sha256: '1b06e2003f8420d6fa42badd8f77ec0f706b976b7a48b13c567dc5a559681683' },
  { label: 'TikTok EMAIL', rule: emailTiktokRule, input: 'JaneDoe@gmail.com', ctx: {}, normalized: 'janedoe@gmail.com', sha256: 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69' },
  { label: 'TikTok PHONE (Armenia default)', rule: phoneRule, input: '374-93-828222', ctx: { defaultCountry: 'AM' }, normalized: '37493828222', sha256: '65b7e6dcf6f4310f8d7cbfbd78289a753062fb054d6664fb9aaac5df66a422d4' },
  { label: 'TikTok PHONE (Armenia row)', rule: phoneRule, input: '374-93-828222', ctx: { defaultCountry: 'US' }, rowCountry: 'Armenia', normalized: '37493828222', sha256: '65b7e6dcf6f4310f8d7cbfbd78289a753062fb054d6664fb9aaac5df66a422d4' },
  { label: 'Snap PHONE', rule: phoneRule, input: '+1(706)-767-5127', ctx: {}, normalized: '17067675127', sha256: '2fd199db6d3fa9fe754886ff1822f2867fcb104a6639495eca25c2978efe4ed4' },
  { label: 'Google PHONE, default US', rule: phoneE164Rule, input: '323 456 7890', ctx: { defaultCountry: 'US' }, normalized: '+13234567890', sha256: '0506a1f3f4c515fd310fce54d253b731f71e33e7e7d2b10848528ca4411120b0' },
  { label: 'Snap MAID', rule: maidRule, input: 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6', ctx: {}, normalized: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', sha256: '30a5154b77ab8b2ddbe19f5e7af72f33cc2a4a41f22940d965102650a1c72863' },
];

/** Outputs other tools produced that we must never produce (platforms.md section 2). */
export interface KnownWrong {
  label: string;
  rule: NormalizationRule;
  input: string;
  ctx: RuleContext;
  rowCountry?: string;
  /** A wrong normalized value. */
  wrongValue?: string;
  /** The start of a wrong hash. */
  wrongHashPrefix?: string;
  /** What the wrong tool hashed, to prove the prefix is what we think it is. */
  wrongHashOf?: string;
}

export const KNOWN_WRONG: readonly KnownWrong[] = [
  { label: 'TikTok phone hashed raw', rule: phoneRule, input: '+1 (555) 555-5555', ctx: {}, wrongHashPrefix: 'e5aaca26', wrongHashOf: '+1 (555) 555-5555' },
  { label: 'Google first name not lower-cased', rule: nameGoogleRule, input: 'Jane', ctx: {}, wrongHashPrefix: '4f23798d', wrongHashOf: 'Jane' },
  { label: 'Meta state as text (US default)', rule: stateRule, input: 'New York', ctx: { defaultCountry: 'US' }, wrongValue: 'newyork' },
  { label: 'Meta state as text (no country)', rule: stateRule, input: 'New York', ctx: {}, wrongValue: 'newyork' },
  { label: 'Meta state as text (US row)', rule: stateRule, input: 'New York', ctx: {}, rowCountry: 'United States', wrongValue: 'newyork' },
  { label: 'Meta country as text', rule: countryRule, input: 'United States', ctx: {}, wrongValue: 'unitedstates' },
  { label: 'Meta country as text (lower-case input)', rule: countryRule, input: 'united states ', ctx: {}, wrongValue: 'unitedstates' },
];
