// Plain words for the reasons a value is invalid: the server's own table (the rule contract has no imports, so the
// bundle takes it as it is and the two can never disagree). Unknown reasons are shown as they come.
import { INVALID_REASONS } from '../../../src/identifiers/rule';

const REASONS: Record<string, string> = INVALID_REASONS;

export function reasonLabel(reason: string): string {
  return REASONS[reason] ?? reason.replace(/_/g, ' ');
}

/** Reasons with their counts, largest first, zero counts left out. */
export function reasonEntries(byReason: Record<string, number> | null | undefined): [string, number][] {
  if (!byReason) return [];
  return Object.entries(byReason)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1]);
}
