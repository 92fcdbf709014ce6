import { formatNumber, formatPercent, useLocale } from '../i18n';
import { HEALTHS } from './HealthChart';
import { Link } from './Link';

export interface Cell {
  region: { id: string; name: string };
  counties: number;
  countiesCovered: number;
  countyCoveragePercent: number;
  townships: number;
  townshipsCovered: number;
  townshipCoveragePercent: number;
  pairingsByHealth: { health: string; pairings: number }[];
}

/** Coverage below a region as a grid of its regions (no map data is at hand): the cell's colour is
 * its county coverage, its bar the health of its pairings. Each cell links one level down. */
export function CoverageGrid({ cells, hrefOf }: { cells: Cell[]; hrefOf: (regionId: string) => string }) {
  const { t, label } = useLocale();
  const shade = (percent: number) => (percent >= 80 ? 'c4' : percent >= 50 ? 'c3' : percent >= 20 ? 'c2' : percent > 0 ? 'c1' : 'c0');
  return (
    <div>
      <ul className="grid-cells">
        {cells.map((cell) => {
          const total = cell.pairingsByHealth.reduce((sum, h) => sum + h.pairings, 0);
          return (
            <li key={cell.region.id}>
              <Link href={hrefOf(cell.region.id)} className={`cell ${shade(cell.countyCoveragePercent)}`}>
                <strong>{cell.region.name}</strong>
                <span>{t('counties')} {cell.countiesCovered}/{cell.counties} · {formatPercent(cell.countyCoveragePercent)}</span>
                <span>{t('townships')} {cell.townshipsCovered}/{cell.townships}</span>
                <span>{t('pairingsCount')} {formatNumber(total)}</span>
                <span className="cell-health" role="img" aria-label={`${t('byHealth')}: ${cell.pairingsByHealth.filter((h) => h.pairings).map((h) => `${label('PairingHealth', h.health)} ${h.pairings}`).join('，') || t('noData')}`}>
                  {HEALTHS.map((health) => {
                    const count = cell.pairingsByHealth.find((h) => h.health === health)?.pairings ?? 0;
                    return count ? (
                      <span key={health} className={`seg health-${health}`} style={{ flexGrow: count }} title={`${label('PairingHealth', health)} ${formatNumber(count)}`} />
                    ) : null;
                  })}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
      <p className="legend">
        <span className="key c0" /> 0% <span className="key c1" /> &lt;20% <span className="key c2" /> 20–50% <span className="key c3" /> 50–80% <span className="key c4" /> ≥80%
      </p>
    </div>
  );
}
