import { graphql } from '../graphql';
import { useLocale } from '../i18n';
import { navigate, withParams, type Location } from '../router';
import { useQuery } from '../useQuery';

const ScopeOptions = graphql(`
  query ScopeOptions($regionId: ID!, $hasRegion: Boolean!) {
    programs(first: 100) { edges { node { id name } } }
    provinces: regions(level: PROVINCE, first: 100) { edges { node { id name } } }
    region(id: $regionId) @include(if: $hasRegion) {
      id level parent { id level parent { id level } }
    }
  }
`);

const Children = graphql(`
  query RegionChildren($parentId: ID!) {
    regions(parentId: $parentId, first: 100) { edges { node { id name level } } }
  }
`);

/** The ancestors of a region down to it, province first (a region is at most a county here). */
function chainOf(region: { id: string; parent: { id: string; parent: { id: string } | null } | null } | null | undefined): string[] {
  if (!region) return [];
  const chain = [region.id];
  if (region.parent) chain.unshift(region.parent.id);
  if (region.parent?.parent) chain.unshift(region.parent.parent.id);
  return chain;
}

function RegionLevelSelect({ parentId, value, label, onChange, id }: { parentId: string; value: string; label: string; onChange: (id: string) => void; id: string }) {
  const { t } = useLocale();
  const { data } = useQuery(Children, { parentId });
  const options = data?.regions.edges.map((e) => e.node).filter((r) => r.level !== 'TOWNSHIP' && r.level !== 'VILLAGE') ?? [];
  if (data && options.length === 0) return null;
  return (
    <div className="field inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value || parentId)}>
        <option value="">{t('all')}</option>
        {options.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
      </select>
    </div>
  );
}

/** Program and region of a page, kept in its URL (`program`, `region`). */
export function ScopePicker({ location, programs = true }: { location: Location; programs?: boolean }) {
  const { t, label } = useLocale();
  const regionId = location.params.get('region') ?? '';
  const programId = location.params.get('program') ?? '';
  const { data } = useQuery(ScopeOptions, { regionId: regionId || 'none', hasRegion: Boolean(regionId) });
  const chain = chainOf(data?.region);
  const go = (changes: Record<string, string | null>) => navigate(withParams(location, { ...changes, after: null }));
  return (
    <div className="filters" role="group" aria-label={t('filters')}>
      {programs && (
        <div className="field inline">
          <label htmlFor="filter-program">{t('program')}</label>
          <select id="filter-program" value={programId} onChange={(event) => go({ program: event.target.value })}>
            <option value="">{t('all')}</option>
            {data?.programs.edges.map(({ node }) => <option key={node.id} value={node.id}>{node.name}</option>)}
          </select>
        </div>
      )}
      <div className="field inline">
        <label htmlFor="filter-province">{t('region')}</label>
        <select id="filter-province" value={chain[0] ?? ''} onChange={(event) => go({ region: event.target.value })}>
          <option value="">{t('allRegions')}</option>
          {data?.provinces.edges.map(({ node }) => <option key={node.id} value={node.id}>{node.name}</option>)}
        </select>
      </div>
      {chain[0] && <RegionLevelSelect id="filter-city" label={label('RegionLevel', 'CITY')} parentId={chain[0]} value={chain[1] ?? ''} onChange={(id) => go({ region: id })} />}
      {chain[1] && <RegionLevelSelect id="filter-county" label={label('RegionLevel', 'COUNTY')} parentId={chain[1]} value={chain[2] ?? ''} onChange={(id) => go({ region: id })} />}
    </div>
  );
}
