import { useLocale } from '../i18n';

export function HealthBadge({ health }: { health: string }) {
  const { label } = useLocale();
  return <span className={`badge health-${health}`}>{label('PairingHealth', health)}</span>;
}
