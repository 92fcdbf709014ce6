import { useEffect } from 'react';
import { graphql } from '../graphql';
import { formatNumber, useLocale } from '../i18n';
import { useQuery } from '../useQuery';
import { Link } from './Link';

const UnreadCount = graphql(`
  query UnreadCount { notifications(unreadOnly: true, first: 0) { totalCount } }
`);

/** Said by the inbox page when it marks entries read, so the count in the header follows at once. */
export const INBOX_CHANGED = 'qianshou:inbox-changed';

/** The header's way to the inbox, with the number of unread notifications (read again on live events). */
export function InboxLink({ current }: { current: boolean }) {
  const { t } = useLocale();
  const { data, refetch } = useQuery(UnreadCount, {});
  useEffect(() => {
    window.addEventListener(INBOX_CHANGED, refetch);
    return () => window.removeEventListener(INBOX_CHANGED, refetch);
  }, [refetch]);
  const unread = data?.notifications.totalCount ?? 0;
  return (
    <Link href="/inbox" aria-current={current ? 'page' : undefined} data-testid="inbox-link">
      {t('inbox')}
      {unread > 0 && (
        <span className="count unread-count" data-testid="unread-count">
          <span aria-hidden="true">{formatNumber(unread)}</span>
          <span className="sr-only">{t('unreadCount', { n: formatNumber(unread) })}</span>
        </span>
      )}
    </Link>
  );
}
