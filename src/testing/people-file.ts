import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { emailRule, emailTiktokRule } from '../identifiers/rules/email.js';
import { phoneRule } from '../identifiers/rules/phone.js';

/**
 * Small synthetic audience files for upload tests, and the membership a platform should end up with, computed
 * with the TypeScript reference rules (independent of the SQL the transform runs). Every person is made up.
 */
export interface Person {
  email: string;
  phone: string;
}

/** Person `i` of a population: messy spellings (case, spaces) of unique emails and US phone numbers. */
export function person(i: number): Person {
  const email = `Person.${i}@Example.test`;
  const phone = `(415) ${String(200 + (i % 700)).padStart(3, '0')}-${String(i % 10_000).padStart(4, '0')}`;
  return { email: i % 3 === 0 ? `  ${email.toUpperCase()} ` : email, phone: i % 2 === 0 ? phone : `+1 415 ${String(200 + (i % 700)).padStart(3, '0')} ${String(i % 10_000).padStart(4, '0')}` };
}

export function people(from: number, to: number): Person[] {
  return Array.from({ length: to - from }, (_, k) => person(from + k));
}

/** Writes a CSV of the people plus `invalidRows` rows without any valid identifier. */
export function writePeopleCsv(path: string, rows: readonly Person[], invalidRows = 0): void {
  const lines = ['email,phone', ...rows.map((p) => `${p.email},${p.phone}`)];
  for (let i = 0; i < invalidRows; i++) lines.push(i % 2 === 0 ? 'not-an-email,12' : ',');
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function normalized(outcome: ReturnType<typeof emailRule.normalize>): string {
  if (!outcome.ok) throw new Error(`synthetic value is invalid: ${outcome.reason}`);
  return outcome.value;
}

/** TikTok EMAIL_SHA256 audience members: the hashes. */
export function tiktokEmailMembers(rows: readonly Person[]): string[] {
  return [...new Set(rows.map((p) => sha256(normalized(emailTiktokRule.normalize(p.email, {})))))].sort();
}

/** Meta multi-key members (EMAIL, PHONE): the sandbox's canonical key per person. */
export function metaEmailPhoneMembers(rows: readonly Person[]): string[] {
  const ctx = { defaultCountry: 'US' };
  return [
    ...new Set(
      rows.map((p) => `EMAIL=${sha256(normalized(emailRule.normalize(p.email, ctx)))}|PHONE=${sha256(normalized(phoneRule.normalize(p.phone, ctx)))}`),
    ),
  ].sort();
}
