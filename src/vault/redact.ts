import type { FieldSpec } from '../destinations/definition.js';

/** What may be shown of one credential field: whether it is set and, for non-secret fields only, its value. */
export interface CredentialView {
  key: string;
  label: string;
  set: boolean;
  /** Present only for a non-secret field that is set. */
  value?: string;
}

export type CredentialFieldSpec = Pick<FieldSpec, 'key' | 'label' | 'secret'>;

/**
 * Credentials are write-only: a secret is never shown, not even in part (no `••••abcd`), only whether it is set.
 * Only the declared fields are described, so a stray value under an unknown key is never shown either.
 */
export function describeCredentials(fields: readonly CredentialFieldSpec[], values: Readonly<Record<string, string | undefined>>): CredentialView[] {
  return fields.map((field) => {
    const value = Object.hasOwn(values, field.key) ? values[field.key] : undefined;
    const set = typeof value === 'string' && value !== '';
    const view: CredentialView = { key: field.key, label: field.label, set };
    if (set && !field.secret) view.value = value;
    return view;
  });
}
