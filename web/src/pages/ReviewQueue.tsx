import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { EvidenceList } from '../components/Evidence';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { Loading } from '../components/Loading';
import { request } from '../client';
import { graphql, type ResultOf } from '../graphql';
import { formatDateTime, useLocale } from '../i18n';
import { reviews, useViewer } from '../session';
import { useQuery } from '../useQuery';

const QueueQuery = graphql(`
  query ReviewQueue($after: String) {
    pendingUpdates(first: 50, after: $after) {
      totalCount
      edges { node {
        id note progressPercent progressValue evidenceUrls submittedBy submittedAt
        evidence { id name size contentType caption url thumbnailUrl }
        milestone { id title version status dueOn pairing { id mentor { name } supported { name } } }
      } }
    }
  }
`);

const Review = graphql(`
  mutation Review($input: ReviewMilestoneUpdateInput!) {
    reviewMilestoneUpdate(input: $input) {
      milestoneUpdate { id status }
      userErrors { field message code }
    }
  }
`);

type Item = ResultOf<typeof QueueQuery>['pendingUpdates']['edges'][number]['node'];

function ReviewCard({ item, onDone }: { item: Item; onDone: () => void }) {
  const { t } = useLocale();
  const viewer = useViewer();
  const [note, setNote] = useState('');
  const [markAchieved, setMarkAchieved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ text: string; tone: 'error' | 'ok' } | null>(null);
  const decide = async (decision: 'APPROVE' | 'RETURN') => {
    setBusy(true);
    setFieldErrors({});
    const answer = await request(Review, { input: {
      updateId: item.id, decision, reviewNote: note || null, milestoneVersion: item.milestone.version,
      markAchieved: decision === 'APPROVE' ? markAchieved : null,
    } });
    setBusy(false);
    const payload = answer.data?.reviewMilestoneUpdate;
    if (!payload) return setMessage({ text: answer.errors?.map((e) => e.message).join('；') ?? t('networkError'), tone: 'error' });
    if (payload.userErrors.length) {
      const stale = payload.userErrors.some((e) => e.code === 'STALE_VERSION');
      const byField: Record<string, string> = {};
      for (const error of payload.userErrors) if (error.field?.length) byField[error.field[0]] = error.message;
      setFieldErrors(byField);
      const general = payload.userErrors.filter((e) => !e.field?.length || e.field[0] !== 'reviewNote').map((e) => e.message).join('；');
      setMessage(stale ? { text: `${t('staleReview')} ${general}`, tone: 'error' } : general ? { text: general, tone: 'error' } : null);
      return;
    }
    setMessage({ text: t('reviewed'), tone: 'ok' });
    onDone();
  };
  const prefix = `review-${item.id}`;
  return (
    <li className="panel review-card">
      <h2><Link href={`/pairings/${item.milestone.pairing.id}`}>{item.milestone.pairing.mentor.name} → {item.milestone.pairing.supported.name}</Link></h2>
      <p><strong>{item.milestone.title}</strong> · {t('due')} {item.milestone.dueOn}</p>
      <blockquote>{item.note}{item.progressPercent !== null && ` · ${item.progressPercent}%`}</blockquote>
      {item.evidenceUrls.map((url) => <p key={url}><a href={url} rel="noreferrer noopener">{url}</a></p>)}
      <EvidenceList files={item.evidence} />
      <p className="muted">{t('submittedBy')} {item.submittedBy} · {formatDateTime(item.submittedAt)}</p>
      {reviews(viewer) ? (
        <form onSubmit={(event) => event.preventDefault()}>
          <Field id={`${prefix}-note`} label={t('returnNote')} error={fieldErrors.reviewNote}>
            {(props) => <textarea {...props} rows={2} value={note} onChange={(event) => setNote(event.target.value)} />}
          </Field>
          <div className="field checkbox">
            <input id={`${prefix}-achieved`} type="checkbox" checked={markAchieved} onChange={(event) => setMarkAchieved(event.target.checked)} />
            <label htmlFor={`${prefix}-achieved`}>{t('markAchieved')}</label>
          </div>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => decide('APPROVE')}>{t('approve')}</button>
            <button type="button" className="secondary" disabled={busy} onClick={() => decide('RETURN')}>{t('return')}</button>
          </div>
        </form>
      ) : <p className="muted">{t('mayNotReview')}</p>}
      {message && <p className={message.tone === 'ok' ? 'ok-note' : 'error-note'} role={message.tone === 'ok' ? 'status' : 'alert'}>{message.text}</p>}
    </li>
  );
}

export function ReviewQueue() {
  const { t } = useLocale();
  const { data, errors, loading, refetch } = useQuery(QueueQuery, { after: null });
  return (
    <>
      <h1>{t('review')} {data && <span className="count">{data.pendingUpdates.totalCount}</span>}</h1>
      <ErrorNote errors={errors} />
      {!data && loading && <Loading />}
      {data && data.pendingUpdates.edges.length === 0 && <p>{t('queueEmpty')}</p>}
      <ul className="cards">
        {data?.pendingUpdates.edges.map(({ node }) => <ReviewCard key={node.id} item={node} onDone={refetch} />)}
      </ul>
    </>
  );
}
