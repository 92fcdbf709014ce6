// Documents are typed against schema/schema.graphql (graphql-env.d.ts is generated from it by
// `npm run typegen`); they live beside the component that uses them.
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { Date: string; DateTime: string; Decimal: string; JSON: unknown; ID: string; Upload: File | null };
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
