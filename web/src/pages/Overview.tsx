import { CoveragePanel } from '../components/CoveragePanel';
import { ErrorNote } from '../components/ErrorNote';
import { HealthChart } from '../components/HealthChart';
import { Link } from '../components/Link';
import { Loading } from '../components/Loading';
import { ProgressScatter } from '../components/ProgressScatter';
import { ScopePicker } from '../components/ScopePicker';
import { StatCard } from '../components/StatCard';
import { TrendsPanel } from '../components/TrendsPanel';
import { graphql } from '../graphql';
import { formatDate, formatNumber, formatYuan, useLocale } from '../i18n';
import { withParams, type Location } from '../router';
import { useQuery } from '../useQuery';

const OverviewQuery = graphql(`
  query Overview($programId: ID, $regionId: ID) {
    programStats(programId: $programId, regionId: $regionId) {
      pairings activePairings milestonesOverdue
      serviceTotals { homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
      resourceTotals { cashYuan inKindYuan disbursementBatches peopleFunded }
    }
    pairingHealth(programId: $programId, regionId: $regionId) { health pairings }
    sample: pairings(filter: { programId: $programId, regionId: $regionId }, first: 100) {
      edges { node { id supported { name } progress { percentComplete timeElapsedPercent health } } }
    }
    overdueMilestones(programId: $programId, regionId: $regionId, first: 8) {
      totalCount
      edges { node { id title dueOn pairing { id supported { name } mentor { name } } } }
    }
  }
`);

const DefaultRegion = graphql(`
  query DefaultRegion($programId: ID!, $hasProgram: Boolean!) {
    program(id: $programId) @include(if: $hasProgram) { id scopeRegion { id } }
    programs(first: 1) { edges { node { scopeRegion { id } } } }
    regions(level: PROVINCE, first: 1) { edges { node { id } } }
  }
`);

function daysSince(date: string): number {
  const today = new Date(new Date().toLocaleString('en-US', { timeZone: 'Asia/Shanghai' }));
  return Math.max(0, Math.floor((today.getTime() - new Date(`${date}T00:00:00`).getTime()) / 86_400_000));
}

export function Overview({ location }: { location: Location }) {
  const { t } = useLocale();
  const programId = location.params.get('program');
  const regionId = location.params.get('region');
  // The coverage grid needs a region: the chosen one, else the program's scope (or the first
  // program's), else the first province.
  const defaults = useQuery(DefaultRegion, { programId: programId ?? 'none', hasProgram: Boolean(programId) }, Boolean(regionId));
  const gridRegionId = regionId ?? defaults.data?.program?.scopeRegion?.id
    ?? defaults.data?.programs.edges[0]?.node.scopeRegion?.id ?? defaults.data?.regions.edges[0]?.node.id ?? null;
  // The headline figures come first; trends and coverage, slower to compute, fill their panels after.
  const { data, errors, loading } = useQuery(OverviewQuery, { programId, regionId });
  const listHref = (changes: Record<string, string>) => withParams({ path: '/pairings', params: location.params }, changes);
  return (
    <>
      <h1>{t('overview')}</h1>
      <ScopePicker location={location} />
      <ErrorNote errors={errors} />
      {!data && loading && <Loading />}
      {data && (
        <div className="overview" data-testid="overview">
          <section aria-labelledby="totals-heading" className="panel wide">
            <h2 id="totals-heading">{t('services')}</h2>
            <dl className="stats">
              <StatCard label={t('pairingsCount')} value={formatNumber(data.programStats.pairings)} />
              <StatCard label={t('activePairings')} value={formatNumber(data.programStats.activePairings)} />
              <StatCard label={t('overdue')} value={formatNumber(data.programStats.milestonesOverdue)} tone={data.programStats.milestonesOverdue ? 'alert' : undefined} />
              <StatCard label={t('homeVisits')} value={formatNumber(data.programStats.serviceTotals.homeVisits)} />
              <StatCard label={t('casework')} value={formatNumber(data.programStats.serviceTotals.caseworkCases)} />
              <StatCard label={t('groupSessions')} value={formatNumber(data.programStats.serviceTotals.groupSessions)} />
              <StatCard label={t('themed')} value={formatNumber(data.programStats.serviceTotals.themedActivities)} />
              <StatCard label={t('training')} value={formatNumber(data.programStats.serviceTotals.trainingSessions)} />
              <StatCard label={t('beneficiaries')} value={formatNumber(data.programStats.serviceTotals.beneficiaries)} />
              <StatCard label={t('cash')} value={formatYuan(data.programStats.resourceTotals.cashYuan)} />
              <StatCard label={t('inKind')} value={formatYuan(data.programStats.resourceTotals.inKindYuan)} />
              <StatCard label={t('peopleFunded')} value={formatNumber(data.programStats.resourceTotals.peopleFunded)} />
            </dl>
          </section>
          <section className="panel">
            <HealthChart
              counts={Object.fromEntries(data.pairingHealth.map((row) => [row.health, row.pairings]))}
              hrefOf={(health) => listHref({ health })}
            />
          </section>
          <section className="panel">
            <ProgressScatter points={data.sample.edges.map(({ node }) => ({
              id: node.id, name: node.supported.name, percent: node.progress.percentComplete, elapsed: node.progress.timeElapsedPercent, health: node.progress.health,
            }))} />
          </section>
          <section className="panel wide">
            <TrendsPanel programId={programId} regionId={regionId} />
          </section>
          <section className="panel wide" aria-labelledby="overdue-heading">
            <h2 id="overdue-heading">{t('overdue')} <span className="count">{formatNumber(data.overdueMilestones.totalCount)}</span></h2>
            {data.overdueMilestones.edges.length === 0 ? <p>{t('noData')}</p> : (
              <table className="data">
                <thead><tr><th scope="col">{t('milestone')}</th><th scope="col">{t('supported')}</th><th scope="col">{t('mentor')}</th><th scope="col">{t('due')}</th><th scope="col" className="num">{t('daysOverdue')}</th></tr></thead>
                <tbody>
                  {data.overdueMilestones.edges.map(({ node }) => (
                    <tr key={node.id}>
                      <td><Link href={`/pairings/${node.pairing.id}`}>{node.title}</Link></td>
                      <td>{node.pairing.supported.name}</td><td>{node.pairing.mentor.name}</td>
                      <td>{formatDate(node.dueOn)}</td><td className="num">{formatNumber(daysSince(node.dueOn))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {gridRegionId && <CoveragePanel regionId={gridRegionId} programId={programId} location={location} drilled={Boolean(regionId)} />}
        </div>
      )}
    </>
  );
}
