// Client-side routes: every page is a URL, its filters in the query string, so it can be
// bookmarked and shared; the server answers every such path with index.html.
import { useEffect, useState } from 'react';

export interface Location {
  path: string;
  params: URLSearchParams;
}

function read(): Location {
  return { path: window.location.pathname, params: new URLSearchParams(window.location.search) };
}

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
  if (!replace) window.scrollTo(0, 0);
}

export function useLocation(): Location {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return location;
}

/** The same path with some query parameters changed; empty values are dropped. */
export function withParams(location: Location, changes: Record<string, string | null | undefined>): string {
  const params = new URLSearchParams(location.params);
  for (const [key, value] of Object.entries(changes)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  const query = params.toString();
  return query ? `${location.path}?${query}` : location.path;
}
