import { Icon } from '../components/Icon';

export const STEPS = ['Select file', 'Define dataset', 'Define columns', 'Confirm', 'Monitor'] as const;

/** The wizard's steps as an ordered list; the current one has aria-current="step". */
export function Stepper({ current }: { current: number }) {
  return (
    <nav aria-label="Upload steps" className="stepper-nav">
      <ol className="stepper">
        {STEPS.map((label, index) => {
          const status = index < current ? 'done' : index === current ? 'current' : 'todo';
          return (
            <li key={label} className={`step step-${status}`} aria-current={index === current ? 'step' : undefined}>
              <span className="step-number" aria-hidden="true">
                {status === 'done' ? <Icon name="check" size={14} /> : index + 1}
              </span>
              <span className="step-label">{label}</span>
              {status === 'done' ? <span className="sr-only"> (done)</span> : null}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
