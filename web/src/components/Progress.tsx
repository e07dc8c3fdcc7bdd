import { formatPercent } from '../lib/format';

interface ProgressBarProps {
  value: number;
  max: number;
  /** The accessible name. */
  label: string;
  /** Spoken value, e.g. "3 of 10 batches". */
  valueText?: string;
  tone?: 'active' | 'good' | 'bad';
}

/** role="progressbar" with aria-valuenow, min and max. */
export function ProgressBar({ value, max, label, valueText, tone = 'active' }: ProgressBarProps) {
  const safeMax = max > 0 ? max : 1;
  const clamped = Math.min(Math.max(value, 0), safeMax);
  const share = clamped / safeMax;
  return (
    <div
      className={`progress progress-${tone}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max > 0 ? max : 100}
      aria-valuenow={max > 0 ? clamped : 0}
      aria-valuetext={valueText ?? formatPercent(share, 0)}
    >
      <div className="progress-fill" style={{ width: `${share * 100}%` }} />
    </div>
  );
}

/** A small bar showing a share of valid values (0..1), with its text. */
export function ShareBar({ share, label }: { share: number; label: string }) {
  const clamped = Math.min(Math.max(share, 0), 1);
  const tone = clamped >= 0.9 ? 'good' : clamped >= 0.6 ? 'warn' : 'bad';
  return (
    <span className="share">
      <span className={`share-bar share-${tone}`} role="img" aria-label={`${label}: ${formatPercent(clamped)}`}>
        <span className="share-fill" style={{ width: `${clamped * 100}%` }} />
      </span>
      <span className="share-text" aria-hidden="true">
        {formatPercent(clamped)}
      </span>
    </span>
  );
}
