import { formatPercent, useLocale } from '../i18n';

export interface Point { id: string; name: string; percent: number; elapsed: number; health: string }

/** Each pairing as a dot: time elapsed across, progress up; the diagonal is "on schedule". */
export function ProgressScatter({ points }: { points: Point[] }) {
  const { t } = useLocale();
  const size = 220;
  const at = (value: number) => (Math.min(100, Math.max(0, value)) / 100) * size;
  return (
    <figure className="chart">
      <figcaption>{t('progressVsTime')}</figcaption>
      <svg viewBox={`-30 -10 ${size + 40} ${size + 40}`} className="scatter" role="img" aria-label={t('progressVsTimeNote')}>
        <rect x={0} y={0} width={size} height={size} className="plot-area" />
        <line x1={0} y1={size} x2={size} y2={0} className="diagonal" />
        {[0, 50, 100].map((tick) => (
          <g key={tick}>
            <text x={at(tick)} y={size + 14} textAnchor="middle" className="axis">{tick}%</text>
            <text x={-4} y={size - at(tick) + 4} textAnchor="end" className="axis">{tick}%</text>
          </g>
        ))}
        <text x={size / 2} y={size + 28} textAnchor="middle" className="axis">{t('elapsed')}</text>
        {points.map((point) => (
          <circle key={point.id} cx={at(point.elapsed)} cy={size - at(point.percent)} r={4} className={`dot health-${point.health}`}>
            <title>{`${point.name}: ${formatPercent(point.percent)} / ${formatPercent(point.elapsed)}`}</title>
          </circle>
        ))}
      </svg>
      <p className="hint">{t('progressVsTimeNote')}</p>
    </figure>
  );
}
