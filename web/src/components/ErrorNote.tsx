import type { ApiError } from '../client';
import { useLocale } from '../i18n';

/** Errors of a whole request, in words; field errors are shown by their field instead. */
export function ErrorNote({ errors }: { errors: ApiError[] }) {
  const { t } = useLocale();
  if (errors.length === 0) return null;
  return (
    <div className="error-note" role="alert">
      {errors.map((error, i) => (
        <p key={i}>{error.extensions?.code === 'NETWORK' ? t('networkError') : error.message}</p>
      ))}
    </div>
  );
}
