import { formatNumber, formatYuan, useLocale } from '../i18n';

export interface Month { month: string; activities: number; beneficiaries: number; cashYuan: string; inKindYuan: string }

/** Trends by month: activities and money as bars, with the figures in a table for screen readers and print. */
export function TrendChart({ months }: { months: Month[] }) {
  const { t } = useLocale();
  const width = 560;
  const height = 140;
  const step = width / Math.max(1, months.length);
  const series = [
    { key: 'activities', title: t('activities'), value: (m: Month) => m.activities },
    { key: 'beneficiaries', title: t('beneficiaries'), value: (m: Month) => m.beneficiaries },
    { key: 'money', title: t('money'), value: (m: Month) => Number(m.cashYuan) + Number(m.inKindYuan) },
  ];
  return (
    <figure className="chart trends">
      <figcaption>{t('trends')}</figcaption>
      <div className="trend-charts">
        {series.map((s) => {
          const most = Math.max(1, ...months.map(s.value));
          return (
            <svg key={s.key} viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={s.title} className="trend">
              <text x={0} y={12} className="axis strong">{s.title}</text>
              {months.map((m, i) => {
                const h = (s.value(m) / most) * (height - 24);
                return (
                  <g key={m.month}>
                    <rect x={i * step + 4} y={height - h} width={step - 8} height={h} className={`trend-bar ${s.key}`}>
                      <title>{`${m.month}: ${formatNumber(s.value(m))}`}</title>
                    </rect>
                    <text x={i * step + step / 2} y={height + 14} textAnchor="middle" className="axis">{m.month.slice(5)}</text>
                  </g>
                );
              })}
            </svg>
          );
        })}
      </div>
      <details>
        <summary>{t('table')}</summary>
        <table className="data">
          <thead><tr><th scope="col">{t('month')}</th><th scope="col">{t('activities')}</th><th scope="col">{t('beneficiaries')}</th><th scope="col">{t('cash')}</th><th scope="col">{t('inKind')}</th></tr></thead>
          <tbody>
            {months.map((m) => (
              <tr key={m.month}><td>{m.month}</td><td className="num">{formatNumber(m.activities)}</td><td className="num">{formatNumber(m.beneficiaries)}</td><td className="num">{formatYuan(m.cashYuan)}</td><td className="num">{formatYuan(m.inKindYuan)}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
