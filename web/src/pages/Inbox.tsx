import { useState } from 'react';
import { request } from '../client';
import { ErrorNote } from '../components/ErrorNote';
import { INBOX_CHANGED } from '../components/InboxLink';
import { Link } from '../components/Link';
import { Loading } from '../components/Loading';
import { graphql } from '../graphql';
import { formatDateTime, formatNumber, useLocale } from '../i18n';
import { withParams, type Location } from '../router';
import { useQuery } from '../useQuery';

const PAGE = 20;

const InboxQuery = graphql(`
  query Inbox($first: Int, $after: String, $unreadOnly: Boolean!) {
    notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id kind title body createdAt read pairing { id } } }
    }
    unread: notifications(unreadOnly: true, first: 0) { totalCount }
  }
`);

const MarkRead = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) { markedCount unreadCount userErrors { field message code } }
  }
`);

/** The caller's notifications (通知), newest first: read them, open what they are about, mark them read. */
export function Inbox({ location }: { location: Location }) {
  const { t, label } = useLocale();
  const after = location.params.get('after');
  const unreadOnly = location.params.get('unread') === '1';
  const { data, errors, loading, refetch } = useQuery(InboxQuery, { first: PAGE, after, unreadOnly });
  const [problem, setProblem] = useState<string[]>([]);
  const mark = async (input: { ids?: string[]; all?: boolean }) => {
    const answer = await request(MarkRead, { input });
    const payload = answer.data?.markNotificationsRead;
    setProblem([...(payload?.userErrors ?? []).map((e) => e.message), ...(answer.errors ?? []).map((e) => e.message)]);
    refetch();
    window.dispatchEvent(new Event(INBOX_CHANGED));
  };
  if (!data && loading) return <><h1>{t('inbox')}</h1><Loading /></>;
  const unread = data?.unread.totalCount ?? 0;
  return (
    <>
      <h1>{t('inbox')}</h1>
      <ErrorNote errors={errors} />
      {problem.length > 0 && <div className="error-note" role="alert">{problem.map((m) => <p key={m}>{m}</p>)}</div>}
      {data && (
        <>
          <div className="toolbar">
            <p role="status" data-testid="inbox-unread">{t('unreadCount', { n: formatNumber(unread) })}</p>
            <p>
              <Link href={withParams(location, { unread: unreadOnly ? null : '1', after: null })}>{unreadOnly ? t('showAll') : t('showUnread')}</Link>
              {' · '}
              <button type="button" className="link" disabled={unread === 0} onClick={() => mark({ all: true })}>{t('markAllRead')}</button>
            </p>
          </div>
          <ul className="inbox plain" aria-label={t('inbox')}>
            {data.notifications.edges.map(({ node: n }) => (
              <li key={n.id} className={n.read ? 'read' : 'unread'}>
                <div className="inbox-head">
                  {!n.read && <span className="badge unread-badge">{t('unread')}</span>}
                  <strong>{n.title}</strong>
                  <span className="muted">{label('NotificationKind', n.kind)} · {formatDateTime(n.createdAt)}</span>
                </div>
                <p>{n.body}</p>
                <p className="inbox-actions">
                  {n.pairing && <Link href={`/pairings/${n.pairing.id}`}>{t('viewPairing')}</Link>}
                  {!n.read && <button type="button" className="link" aria-label={`${t('markRead')}：${n.title}`} onClick={() => mark({ ids: [n.id] })}>{t('markRead')}</button>}
                </p>
              </li>
            ))}
          </ul>
          {data.notifications.edges.length === 0 && <p>{t('inboxEmpty')}</p>}
          <nav className="pager" aria-label={t('inbox')}>
            {after && <Link href={withParams(location, { after: null })}>{t('first')}</Link>}
            {data.notifications.pageInfo.hasNextPage && data.notifications.pageInfo.endCursor && (
              <Link href={withParams(location, { after: data.notifications.pageInfo.endCursor })}>{t('next')} →</Link>
            )}
          </nav>
        </>
      )}
    </>
  );
}
