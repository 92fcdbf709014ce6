import { useLocale } from '../i18n';

export function Loading() {
  const { t } = useLocale();
  return <p className="loading" role="status">{t('loading')}</p>;
}
