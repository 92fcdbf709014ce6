// GraphiQL built from the npm package and served by our server: no CDN, so it loads on a closed network.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { createRoot } from 'react-dom/client';

const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: `${scheme}://${location.host}/graphql`,
  headers: { 'X-Requested-With': 'qianshou-web' },
});

createRoot(document.getElementById('graphiql')!).render(<GraphiQL fetcher={fetcher} />);
