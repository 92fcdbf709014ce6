// The one way the app talks to the server: GraphQL over HTTP (fetch) and the milestoneEvents
// subscription over WebSocket (graphql-ws). The session cookie authenticates both; cookie-carrying
// writes must send X-Requested-With, which a cross-site form cannot.
import { print } from 'graphql';
import type { TadaDocumentNode } from 'gql.tada';
import { createClient, type Client } from 'graphql-ws';
import { currentLang } from './i18n';

export interface ApiError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

export interface Answer<R> {
  data?: R | null;
  errors?: ApiError[];
  status: number;
}

const printed = new WeakMap<object, string>();

function source(document: object): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document as Parameters<typeof print>[0]);
    printed.set(document, text);
  }
  return text;
}

export function headers(): Record<string, string> {
  const result: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
    'Accept-Language': currentLang() === 'zh' ? 'zh-CN' : 'en',
    'X-Requested-With': 'qianshou-web',
  };
  // A token kept for this tab (e.g. a kiosk or an automated check) is sent as a bearer token.
  const token = sessionStorage.getItem('qianshou.token');
  if (token) result.Authorization = `Bearer ${token}`;
  return result;
}

/** One POST to /graphql; a failure to reach the server comes back as a NETWORK error. */
async function post<R>(init: RequestInit): Promise<Answer<R>> {
  try {
    const response = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', ...init });
    const body = (await response.json()) as Omit<Answer<R>, 'status'>;
    return { ...body, status: response.status };
  } catch (error) {
    return { status: 0, errors: [{ message: String(error), extensions: { code: 'NETWORK' } }] };
  }
}

export function request<R, V>(document: TadaDocumentNode<R, V>, variables: V): Promise<Answer<R>> {
  return post<R>({ headers: headers(), body: JSON.stringify({ query: source(document), variables }) });
}

/** A file to send with a write, at a path of its variables such as `input.evidence.0.file`. */
export interface Attached { path: string; file: File }

/**
 * A write carrying files, as a GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec):
 * `operations` holds the variables with each file's place set to null, `map` says which part fills
 * which place. The preflight header tells the server no cross-site form sent it.
 */
export async function upload<R, V>(document: TadaDocumentNode<R, V>, variables: V, files: Attached[]): Promise<Answer<R>> {
  if (files.length === 0) return request(document, variables);
  const body = new FormData();
  body.append('operations', JSON.stringify({ query: source(document), variables }));
  body.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [`variables.${f.path}`]]))));
  files.forEach((f, i) => body.append(String(i), f.file, f.file.name));
  const { 'Content-Type': _json, ...rest } = headers();
  // The browser sets Content-Type itself, with the multipart boundary.
  return post<R>({ headers: { ...rest, 'GraphQL-Require-Preflight': '1' }, body });
}

let socket: Client | null = null;

export function subscribe<R, V>(
  document: TadaDocumentNode<R, V>,
  variables: V,
  onData: (data: R) => void,
): () => void {
  if (socket === null) {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = createClient({ url: `${scheme}://${location.host}/graphql`, lazy: true, retryAttempts: Infinity });
  }
  return socket.subscribe(
    { query: source(document), variables: variables as Record<string, unknown> },
    { next: (result) => result.data && onData(result.data as R), error: () => undefined, complete: () => undefined },
  );
}
