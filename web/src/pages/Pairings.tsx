import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { HealthBadge } from '../components/HealthBadge';
import { HEALTHS } from '../components/HealthChart';
import { Link } from '../components/Link';
import { Loading } from '../components/Loading';
import { ProgressBar } from '../components/ProgressBar';
import { ScopePicker } from '../components/ScopePicker';
import { StatusBadge } from '../components/StatusBadge';
import { graphql, type ResultOf } from '../graphql';
import { formatNumber, useLocale } from '../i18n';
import { navigate, withParams, type Location } from '../router';
import { useQuery } from '../useQuery';

const PAGE = 25;
const STATUSES = ['PLANNED', 'ACTIVE', 'SUSPENDED', 'COMPLETED', 'TERMINATED'] as const;

const PairingsQuery = graphql(`
  query Pairings($filter: PairingFilter, $first: Int, $after: String, $orderBy: PairingOrder) {
    pairings(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id status startsOn endsOn
        program { id name }
        mentor { id name }
        supported { id name region { name } }
        progress { percentComplete timeElapsedPercent milestonesOverdue health }
      } }
    }
  }
`);

const AgencySearch = graphql(`
  query AgencySearch($name: String!) {
    agencies(filter: { nameContains: $name }, first: 8) { edges { node { id name region { name } } } }
  }
`);

const AgencyName = graphql(`
  query AgencyName($id: ID!) { agency(id: $id) { id name } }
`);

// The columns the list sorts on, as the API names them (`orderBy`): the whole list is sorted, page by page.
const SORTS = ['SUPPORTED_NAME', 'MENTOR_NAME', 'REGION', 'STARTS_ON', 'PROGRESS', 'OVERDUE', 'HEALTH'] as const;
type SortKey = (typeof SORTS)[number];
type Row = ResultOf<typeof PairingsQuery>['pairings']['edges'][number]['node'];

function AgencyFilter({ location }: { location: Location }) {
  const { t } = useLocale();
  const agencyId = location.params.get('agency');
  const [text, setText] = useState(location.params.get('q') ?? '');
  const [searched, setSearched] = useState('');
  const found = useQuery(AgencySearch, { name: searched }, !searched);
  const chosen = useQuery(AgencyName, { id: agencyId ?? '' }, !agencyId);
  return (
    <div className="agency-filter">
      <form className="field inline" role="search" onSubmit={(event) => { event.preventDefault(); setSearched(text.trim()); }}>
        <label htmlFor="filter-agency">{t('agency')}</label>
        <input id="filter-agency" type="search" value={text} placeholder={t('agencySearch')} onChange={(event) => setText(event.target.value)} />
        <button type="submit">{t('search')}</button>
      </form>
      {agencyId && (
        <p className="chip">
          {chosen.data?.agency?.name ?? agencyId}
          <button type="button" onClick={() => navigate(withParams(location, { agency: null, q: null, after: null }))}>{t('clear')}</button>
        </p>
      )}
      {searched && found.data && (
        <ul className="suggestions" aria-label={t('agencySearch')}>
          {found.data.agencies.edges.length === 0 && <li>{t('noData')}</li>}
          {found.data.agencies.edges.map(({ node }) => (
            <li key={node.id}>
              <button type="button" onClick={() => { setSearched(''); navigate(withParams(location, { agency: node.id, q: node.name, after: null })); }}>
                {node.name} <small>{node.region.name}</small>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Pairings({ location }: { location: Location }) {
  const { t, label } = useLocale();
  const params = location.params;
  const filter = {
    programId: params.get('program'), regionId: params.get('region'), agencyId: params.get('agency'),
    health: params.get('health') as (typeof HEALTHS)[number] | null, status: params.get('status') as (typeof STATUSES)[number] | null,
  };
  const after = params.get('after');
  const sort = (SORTS as readonly string[]).includes(params.get('sort') ?? '') ? (params.get('sort') as SortKey) : null;
  const descending = params.get('dir') === 'desc';
  const orderBy = sort ? { field: sort, direction: descending ? ('DESC' as const) : ('ASC' as const) } : null;
  const { data, errors, loading } = useQuery(PairingsQuery, { filter, first: PAGE, after, orderBy });
  const rows: Row[] = data?.pairings.edges.map((e) => e.node) ?? [];
  const exportQuery = filter.programId ? `?programId=${encodeURIComponent(filter.programId)}` : '';
  const header = (key: SortKey, text: string, numeric = false) => {
    const active = sort === key;
    return (
      <th scope="col" className={numeric ? 'num' : undefined} aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" className="sort" onClick={() => navigate(withParams(location, { sort: key, dir: active && !descending ? 'desc' : null, after: null }), true)}>
          {text} <span aria-hidden="true">{active ? (descending ? '▼' : '▲') : '↕'}</span>
        </button>
      </th>
    );
  };
  return (
    <>
      <h1>{t('pairings')}</h1>
      <ScopePicker location={location} />
      <div className="filters">
        <div className="field inline">
          <label htmlFor="filter-health">{t('health')}</label>
          <select id="filter-health" value={filter.health ?? ''} onChange={(event) => navigate(withParams(location, { health: event.target.value, after: null }))}>
            <option value="">{t('all')}</option>
            {HEALTHS.map((h) => <option key={h} value={h}>{label('PairingHealth', h)}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="filter-status">{t('status')}</label>
          <select id="filter-status" value={filter.status ?? ''} onChange={(event) => navigate(withParams(location, { status: event.target.value, after: null }))}>
            <option value="">{t('all')}</option>
            {STATUSES.map((s) => <option key={s} value={s}>{label('PairingStatus', s)}</option>)}
          </select>
        </div>
        <AgencyFilter location={location} />
      </div>
      <div className="toolbar">
        <p role="status" data-testid="pairings-total">{t('total')} {formatNumber(data?.pairings.totalCount ?? 0)} {t('rows')}</p>
        <p className="exports">{t('export')}: <a href={`/reports/pairings.csv${exportQuery}`} download>CSV</a> · <a href={`/reports/pairings.xlsx${exportQuery}`} download>XLSX</a></p>
      </div>
      <ErrorNote errors={errors} />
      {!data && loading && <Loading />}
      {data && (
        <>
          <table className="data pairings" aria-describedby="sort-note">
            <thead>
              <tr>
                {header('SUPPORTED_NAME', t('supported'))}
                {header('REGION', t('region'))}
                {header('MENTOR_NAME', t('mentor'))}
                <th scope="col">{t('program')}</th>
                <th scope="col">{t('status')}</th>
                {header('STARTS_ON', t('term'))}
                {header('PROGRESS', t('progress'))}
                {header('OVERDUE', t('overdue'), true)}
                {header('HEALTH', t('health'))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td><Link href={`/pairings/${row.id}`}>{row.supported.name}</Link></td>
                  <td>{row.supported.region.name}</td>
                  <td>{row.mentor.name}</td>
                  <td>{row.program.name}</td>
                  <td><StatusBadge enumName="PairingStatus" value={row.status} /></td>
                  <td className="nowrap">{row.startsOn} – {row.endsOn}</td>
                  <td><ProgressBar percent={row.progress.percentComplete} elapsed={row.progress.timeElapsedPercent} label={t('progress')} /></td>
                  <td className="num">{formatNumber(row.progress.milestonesOverdue)}</td>
                  <td><HealthBadge health={row.progress.health} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p>{t('noData')}</p>}
          <p className="hint" id="sort-note">{t('sortNote')}</p>
          <nav className="pager" aria-label={t('pairings')}>
            {after && <Link href={withParams(location, { after: null })}>{t('first')}</Link>}
            {data.pairings.pageInfo.hasNextPage && data.pairings.pageInfo.endCursor && (
              <Link href={withParams(location, { after: data.pairings.pageInfo.endCursor })}>{t('next')} →</Link>
            )}
          </nav>
        </>
      )}
    </>
  );
}
