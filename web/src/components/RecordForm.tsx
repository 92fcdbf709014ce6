import { useState, type FormEvent } from 'react';
import type { ApiError } from '../client';
import { useLocale } from '../i18n';
import { FilePicker, type PickedFile } from './Evidence';
import { Field } from './Field';

export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'number' | 'date' | 'select' | 'textarea';
  options?: { value: string; label: string }[];
  required?: boolean;
  initial?: string;
  step?: string;
}

export interface Outcome { userErrors: { field?: readonly string[] | null; message: string }[]; errors?: ApiError[] }

/** A form whose fields are named as the mutation's input fields, so each userError shows under its field. */
export function RecordForm({ id, title, fields, submit, onSaved, withFiles = false }: {
  id: string; title: string; fields: FieldSpec[];
  submit: (values: Record<string, string>, files: PickedFile[]) => Promise<Outcome | null>;
  /** Evidence files may be attached (sent as a multipart request). */
  withFiles?: boolean;
  onSaved: () => void;
}) {
  const { t } = useLocale();
  const initial = () => Object.fromEntries(fields.map((f) => [f.name, f.initial ?? '']));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    const outcome = await submit(values, files);
    setBusy(false);
    const byField: Record<string, string> = {};
    const rest: string[] = [];
    for (const error of outcome?.userErrors ?? []) {
      const name = error.field?.[0];
      if (name && fields.some((f) => f.name === name)) byField[name] = error.message;
      else rest.push(error.message);
    }
    for (const error of outcome?.errors ?? []) rest.push(error.extensions?.code === 'NETWORK' ? t('networkError') : error.message);
    if (outcome === null) rest.push(t('networkError'));
    setErrors(byField);
    setGeneral(rest);
    if (outcome && !outcome.userErrors.length && !outcome.errors?.length) {
      setSaved(true);
      setValues(initial());
      setFiles([]);
      onSaved();
    }
  };
  return (
    <form className="panel record-form" aria-labelledby={`${id}-title`} onSubmit={onSubmit} noValidate>
      <h2 id={`${id}-title`}>{title}</h2>
      {fields.map((f) => (
        <Field key={f.name} id={`${id}-${f.name}`} label={f.label} required={f.required} error={errors[f.name]}>
          {(props) => f.type === 'select' ? (
            <select {...props} value={values[f.name]} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
              {!f.required && <option value="">{t('none')}</option>}
              {f.options?.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
            </select>
          ) : f.type === 'textarea' ? (
            <textarea {...props} rows={3} value={values[f.name]} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
          ) : (
            <input {...props} type={f.type ?? 'text'} step={f.step} inputMode={f.type === 'number' ? 'decimal' : undefined}
              value={values[f.name]} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
          )}
        </Field>
      ))}
      {withFiles && <FilePicker picked={files} onChange={setFiles} />}
      {general.length > 0 && <div className="error-note" role="alert">{general.map((m, i) => <p key={i}>{m}</p>)}</div>}
      {saved && <p className="ok-note" role="status">{t('saved')}</p>}
      <button type="submit" disabled={busy}>{t('save')}</button>
    </form>
  );
}
