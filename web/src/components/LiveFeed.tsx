import { useEffect, useState } from 'react';
import { subscribe } from '../client';
import { graphql } from '../graphql';
import { formatDateTime, useLocale } from '../i18n';

const Events = graphql(`
  subscription MilestoneEvents {
    milestoneEvents { id kind occurredAt milestone { id title pairing { id } } update { id submittedBy reviewedBy } }
  }
`);

interface Seen { id: string; text: string; at: string }

const SHOWN_MS = 20_000;

/** Listens to milestoneEvents for the whole app: tells open pages to read again and says what happened. */
export function LiveFeed({ onEvent }: { onEvent: () => void }) {
  const { t, label } = useLocale();
  const [seen, setSeen] = useState<Seen[]>([]);
  useEffect(() => subscribe(Events, {}, (data) => {
    const event = data.milestoneEvents;
    const who = event.kind === 'SUBMITTED' ? event.update.submittedBy : event.update.reviewedBy ?? '';
    const text = t('liveEvent', { who, milestone: event.milestone.title, kind: label('MilestoneEventKind', event.kind) });
    setSeen((previous) => [{ id: event.id, text, at: event.occurredAt }, ...previous].slice(0, 3));
    // A notice stays long enough to be read, then goes: the page itself already shows the change.
    window.setTimeout(() => setSeen((previous) => previous.filter((item) => item.id !== event.id)), SHOWN_MS);
    onEvent();
  }), [onEvent, t, label]);
  return (
    <div className="live" role="log" aria-live="polite" aria-label={t('live')} data-testid="live-feed">
      {seen.map((item) => <p key={item.id}><span className="dot-live" aria-hidden="true" /> {formatDateTime(item.at)} {item.text}</p>)}
    </div>
  );
}
