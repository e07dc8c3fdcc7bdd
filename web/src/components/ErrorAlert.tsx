import { isApiError, errorMessage } from '../api/client';

/** The message of a field-level problem (`details.issues[]`), matched by the field's name or its last path part. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!isApiError(error)) return undefined;
  const issue = error.issues.find((item) => item.field === field || item.field.split('.').pop() === field);
  return issue?.message;
}

interface ErrorAlertProps {
  error: unknown;
  /** Fields whose issues are shown beside the field itself, so not repeated here. */
  fields?: string[];
  title?: string;
  className?: string;
}

/** An API error's message (and its field issues not shown elsewhere), in a role="alert" element near the action. */
export function ErrorAlert({ error, fields = [], title, className }: ErrorAlertProps) {
  if (!error) return null;
  const issues = isApiError(error)
    ? error.issues.filter((issue) => !fields.some((field) => issue.field === field || issue.field.split('.').pop() === field))
    : [];
  return (
    <div role="alert" className={`alert alert-error ${className ?? ''}`}>
      {title ? <strong className="alert-title">{title}</strong> : null}
      <span className="alert-message">{errorMessage(error)}</span>
      {issues.length > 0 ? (
        <ul className="alert-issues">
          {issues.map((issue) => (
            <li key={`${issue.field}:${issue.message}`}>
              {issue.field ? <span className="mono">{issue.field}</span> : null}
              {issue.field ? ': ' : null}
              {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A success or information message; announced politely. */
export function Notice({ children, tone = 'success' }: { children: React.ReactNode; tone?: 'success' | 'info' | 'warning' }) {
  return (
    <div role="status" className={`alert alert-${tone}`}>
      {children}
    </div>
  );
}
