import { useEffect, useRef, useState, type ReactNode } from 'react';
import { VIEWER_EXPLANATION } from '../auth/roles';
import { useCan } from '../auth/AuthContext';
import type { Role } from '../api/types';
import type { OlderPages } from '../lib/hooks';
import { ErrorAlert } from './ErrorAlert';

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        {description ? <p className="page-description">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Card({ title, children, actions, className, headingLevel = 2 }: {
  title?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section className={`card ${className ?? ''}`}>
      {title || actions ? (
        <div className="card-header">
          {title ? <Heading className="card-title">{title}</Heading> : <span />}
          {actions ? <div className="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

/** What to do next when a list is empty. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}

export const VIEWER_NOTICE_ID = 'viewer-notice';

/** Shown on pages with operator actions when the user is a viewer: says why those actions are disabled. */
export function ViewerNotice({ need = 'operator' }: { need?: Role }) {
  const allowed = useCan(need);
  if (allowed) return null;
  return (
    <p id={VIEWER_NOTICE_ID} className="alert alert-info viewer-notice">
      {need === 'operator' ? VIEWER_EXPLANATION : 'This needs the admin role. Ask an admin.'}
    </p>
  );
}

type GuardedButtonProps = React.ButtonHTMLAttributes<HTMLButtonElement> & { need?: Role };

/** A button that is disabled, with the reason as its description and tooltip, when the user's role is too low. */
export function GuardedButton({ need = 'operator', disabled, title, children, className, 'aria-describedby': describedBy, ...rest }: GuardedButtonProps) {
  const allowed = useCan(need);
  const explanation = need === 'operator' ? VIEWER_EXPLANATION : 'This needs the admin role.';
  return (
    <button
      type="button"
      className={className ?? 'button'}
      disabled={!allowed || disabled}
      title={allowed ? title : explanation}
      {...rest}
      aria-describedby={allowed ? describedBy : VIEWER_NOTICE_ID}
    >
      {children}
    </button>
  );
}

/**
 * A destructive action confirmed inline (no browser dialog): the first button shows "Yes, <verb>" and "Keep". The
 * accessible name of the first button is `label` (e.g. "Remove TikTok main"), its text `text` (e.g. "Remove").
 */
export function ConfirmButton({ text, label, confirmText, onConfirm, disabled, need = 'operator', busy }: {
  text: string;
  label: string;
  confirmText?: string;
  onConfirm: () => void;
  disabled?: boolean;
  need?: Role;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <GuardedButton need={need} className="button button-small button-danger-quiet" aria-label={label} disabled={disabled || busy} onClick={() => setAsking(true)}>
        {busy ? `${text}…` : text}
      </GuardedButton>
    );
  }
  return (
    <span className="confirm-inline" role="group" aria-label={`Confirm: ${label}`}>
      <button
        ref={confirmRef}
        type="button"
        className="button button-small button-danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmText ?? `Yes, ${text.toLowerCase()}`}
      </button>
      <button type="button" className="button button-small" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

/** Copies `text` to the clipboard; says "Copied" for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <>
      <button type="button" className="button button-small" onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" className="copy-status">
        {state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'Could not copy: select the text and copy it yourself' : ''}
      </span>
    </>
  );
}

/** A secret shown once (one-time password, API token) with a copy button and a warning. */
export function ShownOnce({ title, value, warning, onDone, testId, copyLabel = 'Copy' }: {
  title: string;
  value: string;
  warning: ReactNode;
  onDone: () => void;
  testId: string;
  copyLabel?: string;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
  }, []);
  return (
    <section className="shown-once" aria-labelledby={`${testId}-title`}>
      <h2 id={`${testId}-title`} ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      <p className="alert alert-warning">{warning}</p>
      <div className="secret-row">
        <code className="secret" data-testid={testId}>
          {value}
        </code>
        <CopyButton text={value} label={copyLabel} />
      </div>
      <button type="button" className="button" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}

/** Under a keyset-paged table (`useOlderPages`): how many rows are shown, the button for older ones, its error. */
export function OlderPagesFooter({ shown, pages }: { shown: number; pages: OlderPages<unknown> }) {
  return (
    <>
      <div className="table-footer">
        <span className="muted">{shown} shown</span>
        {pages.nextBefore !== null ? (
          <button type="button" className="button" onClick={() => void pages.loadOlder()} disabled={pages.loading}>
            {pages.loading ? 'Loading…' : 'Older'}
          </button>
        ) : null}
      </div>
      <ErrorAlert error={pages.error} />
    </>
  );
}
