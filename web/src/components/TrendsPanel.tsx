import { graphql } from '../graphql';
import { useQuery } from '../useQuery';
import { ErrorNote } from './ErrorNote';
import { Loading } from './Loading';
import { TrendChart } from './TrendChart';

const TrendsQuery = graphql(`
  query OverviewTrends($programId: ID, $regionId: ID) {
    monthlyTrends(programId: $programId, regionId: $regionId, months: 12) {
      month activities beneficiaries cashYuan inKindYuan
    }
  }
`);

export function TrendsPanel({ programId, regionId }: { programId: string | null; regionId: string | null }) {
  const { data, errors } = useQuery(TrendsQuery, { programId, regionId });
  if (!data) return errors.length ? <ErrorNote errors={errors} /> : <Loading />;
  return <div data-testid="trends"><TrendChart months={data.monthlyTrends} /></div>;
}
