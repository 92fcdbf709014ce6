import { graphql } from '../graphql';
import { formatNumber, useLocale } from '../i18n';
import { withParams, type Location } from '../router';
import { useQuery } from '../useQuery';
import { CoverageGrid } from './CoverageGrid';
import { ErrorNote } from './ErrorNote';
import { Link } from './Link';
import { Loading } from './Loading';
import { StatCard } from './StatCard';

const CoverageQuery = graphql(`
  query OverviewCoverage($regionId: ID!, $programId: ID) {
    coverage(regionId: $regionId) {
      region { id name parent { id } }
      counties countiesCovered countyCoveragePercent townships townshipsCovered townshipCoveragePercent
    }
    coverageGrid(regionId: $regionId, programId: $programId) {
      region { id name }
      counties countiesCovered countyCoveragePercent townships townshipsCovered townshipCoveragePercent
      pairingsByHealth { health pairings }
    }
  }
`);

/** 一区县一中心、一镇街一站点 of a region, with a grid of the regions below it to drill into. */
export function CoveragePanel({ regionId, programId, location, drilled }: { regionId: string; programId: string | null; location: Location; drilled: boolean }) {
  const { t } = useLocale();
  const { data, errors } = useQuery(CoverageQuery, { regionId, programId });
  return (
    <section className="panel wide" aria-labelledby="coverage-heading" data-testid={data ? 'coverage' : undefined}>
      <h2 id="coverage-heading">{t('coverage')}{data && ` · ${data.coverage.region.name}`}</h2>
      {!data ? (errors.length ? <ErrorNote errors={errors} /> : <Loading />) : (
        <>
          <dl className="stats">
            <StatCard label={t('counties')} value={`${formatNumber(data.coverage.countiesCovered)} / ${formatNumber(data.coverage.counties)} (${data.coverage.countyCoveragePercent.toFixed(1)}%)`} />
            <StatCard label={t('townships')} value={`${formatNumber(data.coverage.townshipsCovered)} / ${formatNumber(data.coverage.townships)} (${data.coverage.townshipCoveragePercent.toFixed(1)}%)`} />
          </dl>
          <p className="hint">{t('coverageNote')}</p>
          {drilled && data.coverage.region.parent && (
            <p><Link href={withParams(location, { region: data.coverage.region.parent.id })}>↑ {t('up')}</Link></p>
          )}
          <CoverageGrid cells={data.coverageGrid} hrefOf={(id) => withParams(location, { region: id })} />
        </>
      )}
    </section>
  );
}
