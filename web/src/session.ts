import { createContext, useContext } from 'react';

type ImportKind = 'AGENCIES' | 'PAIRINGS' | 'MILESTONES' | 'TRAINING_SESSIONS' | 'SERVICE_ACTIVITIES' | 'RESOURCE_LINKS' | 'SERVICE_STATIONS';

export interface Viewer { name: string; role: string; agency: { id: string; name: string } | null }

export const ViewerContext = createContext<Viewer>({ name: 'anonymous', role: 'VIEWER', agency: null });

export const useViewer = (): Viewer => useContext(ViewerContext);

/** The same rules as resolvers/access.py, to show only what the caller may do; the API decides. */
export const readsAudit = (viewer: Viewer) => viewer.role === 'ADMIN' || viewer.role === 'MINISTRY';
export const reviews = (viewer: Viewer) => ['ADMIN', 'MINISTRY', 'REGIONAL_STAFF'].includes(viewer.role);
export const reports = (viewer: Viewer) => viewer.role === 'MENTOR_AGENCY' || viewer.role === 'ADMIN';
/** The kinds of records the viewer may import: those it may create or change (runner.refusal). */
export const importKinds = (viewer: Viewer): ImportKind[] => ({
  ADMIN: ['SERVICE_ACTIVITIES', 'TRAINING_SESSIONS', 'RESOURCE_LINKS', 'SERVICE_STATIONS', 'MILESTONES', 'PAIRINGS', 'AGENCIES'],
  MINISTRY: ['MILESTONES', 'PAIRINGS', 'AGENCIES'],
  REGIONAL_STAFF: ['MILESTONES', 'PAIRINGS', 'AGENCIES'],
  MENTOR_AGENCY: ['SERVICE_ACTIVITIES', 'TRAINING_SESSIONS', 'RESOURCE_LINKS', 'SERVICE_STATIONS'],
  SUPPORTED_AGENCY: ['SERVICE_ACTIVITIES'],
} as Record<string, ImportKind[]>)[viewer.role] ?? [];
