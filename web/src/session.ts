import { createContext, useContext } from 'react';

export interface Viewer { name: string; role: string; agency: { id: string; name: string } | null }

export const ViewerContext = createContext<Viewer>({ name: 'anonymous', role: 'VIEWER', agency: null });

export const useViewer = (): Viewer => useContext(ViewerContext);

/** The same rules as resolvers/access.py, to show only what the caller may do; the API decides. */
export const readsAudit = (viewer: Viewer) => viewer.role === 'ADMIN' || viewer.role === 'MINISTRY';
export const reviews = (viewer: Viewer) => ['ADMIN', 'MINISTRY', 'REGIONAL_STAFF'].includes(viewer.role);
export const reports = (viewer: Viewer) => viewer.role === 'MENTOR_AGENCY' || viewer.role === 'ADMIN';
