import { Icon } from '../components/Icon';

export const STEPS = ['Select file', 'Define dataset', 'Define columns', 'Confirm', 'Monitor'] as const;

/** How the current step ended, when it has: the monitor's job is done, or it failed, died or was cancelled. */
export type StepOutcome = 'done' | 'failed';

/**
 * The wizard's steps as an ordered list. The current one keeps aria-current="step" even once `outcome` says how it
 * ended (it is still where the user is); its mark and its screen-reader text show the outcome.
 */
export function Stepper({ current, outcome }: { current: number; outcome?: StepOutcome | null }) {
  return (
    <nav aria-label="Upload steps" className="stepper-nav">
      <ol className="stepper">
        {STEPS.map((label, index) => {
          const status = index < current ? 'done' : index === current ? 'current' : 'todo';
          const mark = status === 'done' || (status === 'current' && outcome === 'done') ? 'done' : status === 'current' && outcome === 'failed' ? 'failed' : null;
          const className = `step step-${status}${status === 'current' && mark ? ` step-${mark}` : ''}`;
          return (
            <li key={label} className={className} aria-current={index === current ? 'step' : undefined}>
              <span className="step-number" aria-hidden="true">
                {mark === 'done' ? <Icon name="check" size={14} /> : mark === 'failed' ? <Icon name="cross" size={14} /> : index + 1}
              </span>
              <span className="step-label">{label}</span>
              {mark ? <span className="sr-only"> ({mark})</span> : null}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
