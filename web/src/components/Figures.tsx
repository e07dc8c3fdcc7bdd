import type { ReactNode } from 'react';

export interface Figure {
  label: string;
  value: ReactNode;
  /** For tests: a test id on the value, and its raw number (formatted text is for people). */
  testId?: string;
  raw?: number | string | null;
  mono?: boolean;
}

/** A grid of labelled figures (a definition list), as the monitor and the dry run show them. */
export function Figures({ items, compact = false, testId }: { items: Figure[]; compact?: boolean; testId?: string }) {
  return (
    <dl className={compact ? 'figures figures-compact' : 'figures'} data-testid={testId}>
      {items.map((item) => (
        <div key={item.label}>
          <dt>{item.label}</dt>
          <dd data-testid={item.testId} data-value={item.raw === undefined ? undefined : (item.raw ?? '')} className={item.mono ? 'mono' : undefined}>
            {item.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}
