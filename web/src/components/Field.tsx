import type { ReactNode } from 'react';
import { useLocale } from '../i18n';

/** A labelled control with its error (from the API's userErrors) right under it, tied by aria-describedby. */
export function Field({ id, label, error, required, children }: {
  id: string; label: string; error?: string; required?: boolean; children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string; required?: boolean }) => ReactNode;
}) {
  const { t } = useLocale();
  const errorId = `${id}-error`;
  return (
    <div className={`field ${error ? 'has-error' : ''}`}>
      <label htmlFor={id}>{label}{required && <span className="req"> （{t('required')}）</span>}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': error ? errorId : undefined, required })}
      {error && <p className="field-error" id={errorId} role="alert">{error}</p>}
    </div>
  );
}
