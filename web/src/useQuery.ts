import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { TadaDocumentNode } from 'gql.tada';
import { request, type ApiError } from './client';

/** Bumped whenever a milestone event arrives: open pages read their data again, without reloading. */
export const LiveContext = createContext(0);

export interface QueryState<R> {
  data: R | null;
  errors: ApiError[];
  loading: boolean;
  refetch: () => void;
}

export function useQuery<R, V>(document: TadaDocumentNode<R, V>, variables: V, skip = false): QueryState<R> {
  const live = useContext(LiveContext);
  const [state, setState] = useState<{ data: R | null; errors: ApiError[]; loading: boolean }>({
    data: null, errors: [], loading: !skip,
  });
  const [again, setAgain] = useState(0);
  const key = JSON.stringify(variables);
  const latest = useRef(0);
  useEffect(() => {
    if (skip) return;
    const run = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    request(document, JSON.parse(key) as V).then((answer) => {
      if (run !== latest.current) return; // a newer request has been sent since
      setState({ data: answer.data ?? null, errors: answer.errors ?? [], loading: false });
    });
  }, [document, key, live, again, skip]);
  const refetch = useCallback(() => setAgain((n) => n + 1), []);
  return { ...state, refetch };
}
