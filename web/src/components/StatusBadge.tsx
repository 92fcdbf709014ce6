import { useLocale } from '../i18n';

export function StatusBadge({ enumName, value }: { enumName: string; value: string }) {
  const { label } = useLocale();
  return <span className={`badge status-${value}`}>{label(enumName, value)}</span>;
}
