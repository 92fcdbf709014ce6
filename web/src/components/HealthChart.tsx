import { formatNumber, useLocale } from '../i18n';

export const HEALTHS = ['ON_TRACK', 'AT_RISK', 'OFF_TRACK', 'NOT_STARTED', 'COMPLETED'] as const;

/** Pairings by health as horizontal bars, each a link to the list filtered by that health. */
export function HealthChart({ counts, hrefOf }: { counts: Record<string, number>; hrefOf: (health: string) => string }) {
  const { t, label } = useLocale();
  const most = Math.max(1, ...Object.values(counts));
  return (
    <figure className="chart">
      <figcaption>{t('byHealth')}</figcaption>
      <ul className="bars">
        {HEALTHS.map((health) => (
          <li key={health}>
            <a href={hrefOf(health)} className="bar-row">
              <span className="bar-label">{label('PairingHealth', health)}</span>
              <span className="bar-track">
                <span className={`bar-fill health-${health}`} style={{ width: `${((counts[health] ?? 0) / most) * 100}%` }} />
              </span>
              <span className="bar-value">{formatNumber(counts[health] ?? 0)}</span>
            </a>
          </li>
        ))}
      </ul>
    </figure>
  );
}
