import type { JobState, Role } from '../api/types';
import { jobStateWord } from '../lib/format';
import { ROLE_LABELS } from '../auth/roles';

/** A job state as a coloured badge: done green (shown as "complete"), failed/dead red, uploading blue, queued grey. */
export function StateBadge({ state, testId }: { state: JobState; testId?: string }) {
  return (
    <span className={`badge badge-state-${state}`} data-testid={testId}>
      {jobStateWord(state)}
    </span>
  );
}

export function SandboxBadge() {
  return (
    <span className="badge badge-sandbox" title="A sandbox: the platform's test environment, nothing reaches real audiences">
      Sandbox
    </span>
  );
}

export function RoleBadge({ role }: { role: Role }) {
  return <span className={`badge badge-role-${role}`}>{ROLE_LABELS[role]}</span>;
}

/** Any other state word (stages, batches, drop zone outcomes): coloured by what it means. */
export function WordBadge({ word }: { word: string }) {
  const tone = /^(done|complete|completed|ok|processed|succeeded|success)$/i.test(word)
    ? 'good'
    : /^(failed|dead|error|rejected)$/i.test(word)
      ? 'bad'
      : /^(running|sending|uploading|preparing|active|queued-running)$/i.test(word)
        ? 'active'
        : /^(cancelled|skipped)$/i.test(word)
          ? 'muted'
          : 'neutral';
  return <span className={`badge badge-tone-${tone}`}>{word}</span>;
}
