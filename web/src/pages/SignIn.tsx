import { useState, type FormEvent } from 'react';
import { Field } from '../components/Field';
import { useLocale } from '../i18n';
import { navigate } from '../router';

export function SignIn({ onSignedIn, next }: { onSignedIn: () => void; next: string }) {
  const { t } = useLocale();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const response = await fetch('/auth/sign-in', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'qianshou-web', 'Accept-Language': 'zh-CN' },
        body: JSON.stringify({ name, password }),
      });
      if (response.ok) {
        onSignedIn();
        navigate(next.startsWith('/') && !next.startsWith('//') ? next : '/');
      } else {
        setError(response.status === 423 || response.status === 429 ? t('locked') : t('badCredentials'));
      }
    } catch {
      setError(t('networkError'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="sign-in">
      <h1>{t('signIn')}</h1>
      <form className="panel" onSubmit={submit}>
        <Field id="sign-in-name" label={t('name')} required>
          {(props) => <input {...props} autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field id="sign-in-password" label={t('password')} required error={error || undefined}>
          {(props) => <input {...props} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <button type="submit" disabled={busy}>{t('signIn')}</button>
      </form>
    </div>
  );
}
