import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

interface FieldShellProps {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  extra?: ReactNode;
  children: ReactNode;
  className?: string;
}

function FieldShell({ id, label, hint, error, extra, children, className }: FieldShellProps) {
  return (
    <div className={`field ${error ? 'field-invalid' : ''} ${className ?? ''}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children}
      {extra}
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function describedBy(id: string, hint: unknown, error: unknown, more?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : '', more ?? ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
  label: ReactNode;
  value: string;
  onValue: (value: string) => void;
  hint?: ReactNode;
  error?: string;
  /** Rendered after the input (a counter, a badge). */
  extra?: ReactNode;
  /** Ids of more describing elements. */
  describedById?: string;
  fieldClassName?: string;
};

/** A labelled input: the <label> is tied to the input by id; hint and error describe it. */
export function TextField({ label, value, onValue, hint, error, extra, describedById, fieldClassName, id, ...rest }: TextFieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  return (
    <FieldShell id={inputId} label={label} hint={hint} error={error} extra={extra} className={fieldClassName}>
      <input
        id={inputId}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(inputId, hint, error, describedById)}
        {...rest}
      />
    </FieldShell>
  );
}

type SelectFieldProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value'> & {
  label: ReactNode;
  value: string;
  onValue: (value: string) => void;
  hint?: ReactNode;
  error?: string;
  extra?: ReactNode;
  fieldClassName?: string;
  children: ReactNode;
};

export function SelectField({ label, value, onValue, hint, error, extra, fieldClassName, id, children, ...rest }: SelectFieldProps) {
  const generated = useId();
  const selectId = id ?? generated;
  return (
    <FieldShell id={selectId} label={label} hint={hint} error={error} extra={extra} className={fieldClassName}>
      <select
        id={selectId}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(selectId, hint, error)}
        {...rest}
      >
        {children}
      </select>
    </FieldShell>
  );
}

interface CheckboxProps {
  label: ReactNode;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  hint?: ReactNode;
  error?: string;
  disabled?: boolean;
  id?: string;
  required?: boolean;
}

/** A checkbox wrapped by its label. */
export function Checkbox({ label, checked, onChecked, hint, error, disabled, id, required }: CheckboxProps) {
  const generated = useId();
  const inputId = id ?? generated;
  return (
    <div className={`checkbox-field ${error ? 'field-invalid' : ''}`}>
      <input
        type="checkbox"
        id={inputId}
        checked={checked}
        disabled={disabled}
        required={required}
        onChange={(event) => onChecked(event.target.checked)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(inputId, hint, error)}
      />
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <p id={`${inputId}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${inputId}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
