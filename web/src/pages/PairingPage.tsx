import { ErrorNote } from '../components/ErrorNote';
import { HealthBadge } from '../components/HealthBadge';
import { EvidenceList } from '../components/Evidence';
import { Link } from '../components/Link';
import { Loading } from '../components/Loading';
import { ProgressBar } from '../components/ProgressBar';
import { StatCard } from '../components/StatCard';
import { StatusBadge } from '../components/StatusBadge';
import { graphql } from '../graphql';
import { formatDate, formatDateTime, formatNumber, formatYuan, useLocale } from '../i18n';
import { readsAudit, reports, useViewer } from '../session';
import { useQuery } from '../useQuery';

const PairingQuery = graphql(`
  query PairingPage($id: ID!, $audit: Boolean!) {
    pairing(id: $id) {
      id status startsOn endsOn focusAreas statusReason
      program { id name }
      mentor { id name region { name } }
      supported { id name region { name } }
      progress { milestonesTotal milestonesAchieved milestonesOverdue percentComplete timeElapsedPercent health }
      serviceTotals { homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
      resourceTotals { cashYuan inKindYuan disbursementBatches peopleFunded }
      milestones(first: 100) { edges { node {
        id title category termYear dueOn status isOverdue targetValue unit
        updates(first: 20) { edges { node {
          id note progressPercent progressValue status submittedBy submittedAt reviewedBy reviewedAt reviewNote evidenceUrls
          evidence { id name size contentType caption url thumbnailUrl }
        } } }
      } } }
      trainingSessions(first: 100) { edges { node { id topic startsOn endsOn hours mode participants voidedAt voidReason evidence { id name size contentType caption url thumbnailUrl } } } }
      serviceActivities(first: 100) { edges { node { id kind occurredOn count beneficiaries note voidedAt voidReason evidence { id name size contentType caption url thumbnailUrl } } } }
      resourceLinks(first: 100) { edges { node { id projectName donor kind amountYuan disbursementBatch peopleFunded occurredOn voidedAt voidReason evidence { id name size contentType caption url thumbnailUrl } } } }
      serviceStations { id name establishedOn region { name } agency { name } voidedAt voidReason }
      incubatedOrganizations { id stage startedOn registeredOn independentOn agency { name } voidedAt voidReason evidence { id name size contentType caption url thumbnailUrl } }
    }
    auditEvents(objectId: $id, includeDescendants: true, first: 100) @include(if: $audit) {
      totalCount
      edges { node { id occurredAt actorName action objectType changes } }
    }
  }
`);

function Voided({ at, reason }: { at: string | null; reason: string | null }) {
  const { t } = useLocale();
  return at ? <span className="badge voided" title={reason ?? ''}>{t('voided')}{reason ? `：${reason}` : ''}</span> : null;
}

/** What an audit event changed, in words: the pairing itself, or one of its milestones, updates or records. */
function objectName(t: ReturnType<typeof useLocale>['t'], type: string): string {
  const names: Record<string, Parameters<typeof t>[0]> = {
    Pairing: 'pairingObject', Milestone: 'milestone', MilestoneUpdate: 'updateObject', TrainingSession: 'trainingSessions',
    ServiceActivity: 'serviceActivities', ServiceStation: 'stations', IncubatedOrganization: 'incubations', ResourceLink: 'resources',
  };
  return names[type] ? t(names[type]) : type;
}

export function PairingPage({ id }: { id: string }) {
  const { t, label } = useLocale();
  const viewer = useViewer();
  const { data, errors, loading } = useQuery(PairingQuery, { id, audit: readsAudit(viewer) });
  if (!data && loading) return <Loading />;
  const pairing = data?.pairing;
  if (!pairing) {
    const forbidden = errors.some((e) => e.extensions?.code === 'FORBIDDEN');
    return <><h1>{t('pairings')}</h1><p className="error-note" role="alert">{forbidden ? t('forbidden') : t('notFound')}</p></>;
  }
  const years = [1, 2, 3].map((year) => ({ year, milestones: pairing.milestones.edges.map((e) => e.node).filter((m) => m.termYear === year) }));
  return (
    <>
      <p className="breadcrumb"><Link href="/pairings">{t('pairings')}</Link> / {pairing.supported.name}</p>
      <h1>{pairing.mentor.name} → {pairing.supported.name}</h1>
      <ErrorNote errors={errors.filter((e) => e.extensions?.code !== 'FORBIDDEN')} />
      <section className="panel wide" aria-label={t('term')}>
        <dl className="facts">
          <div><dt>{t('program')}</dt><dd>{pairing.program.name}</dd></div>
          <div><dt>{t('mentor')}</dt><dd>{pairing.mentor.name}（{pairing.mentor.region.name}）</dd></div>
          <div><dt>{t('supported')}</dt><dd>{pairing.supported.name}（{pairing.supported.region.name}）</dd></div>
          <div><dt>{t('term')}</dt><dd>{pairing.startsOn} – {pairing.endsOn}</dd></div>
          <div><dt>{t('status')}</dt><dd><StatusBadge enumName="PairingStatus" value={pairing.status} /> {pairing.statusReason}</dd></div>
          <div><dt>{t('health')}</dt><dd><HealthBadge health={pairing.progress.health} /></dd></div>
          <div><dt>{t('focusAreas')}</dt><dd>{pairing.focusAreas.map((a) => label('FocusArea', a)).join('、') || t('none')}</dd></div>
          <div><dt>{t('progress')}</dt><dd><ProgressBar percent={pairing.progress.percentComplete} elapsed={pairing.progress.timeElapsedPercent} label={t('progress')} /> {pairing.progress.milestonesAchieved}/{pairing.progress.milestonesTotal}</dd></div>
        </dl>
        {reports(viewer) && <p><Link className="button" href={`/report?pairing=${pairing.id}`}>{t('report')}</Link></p>}
        <dl className="stats">
          <StatCard label={t('homeVisits')} value={formatNumber(pairing.serviceTotals.homeVisits)} />
          <StatCard label={t('casework')} value={formatNumber(pairing.serviceTotals.caseworkCases)} />
          <StatCard label={t('groupSessions')} value={formatNumber(pairing.serviceTotals.groupSessions)} />
          <StatCard label={t('themed')} value={formatNumber(pairing.serviceTotals.themedActivities)} />
          <StatCard label={t('training')} value={formatNumber(pairing.serviceTotals.trainingSessions)} />
          <StatCard label={t('beneficiaries')} value={formatNumber(pairing.serviceTotals.beneficiaries)} />
          <StatCard label={t('cash')} value={formatYuan(pairing.resourceTotals.cashYuan)} />
          <StatCard label={t('inKind')} value={formatYuan(pairing.resourceTotals.inKindYuan)} />
          <StatCard label={t('peopleFunded')} value={formatNumber(pairing.resourceTotals.peopleFunded)} />
        </dl>
      </section>

      <section className="panel wide" aria-labelledby="milestones-heading">
        <h2 id="milestones-heading">{t('milestones')}</h2>
        <ol className="timeline">
          {years.map(({ year, milestones }) => (
            <li key={year}>
              <h3>{t('termYear', { n: year })}</h3>
              {milestones.length === 0 ? <p>{t('noData')}</p> : (
                <ul className="milestones">
                  {milestones.map((m) => (
                    <li key={m.id} className={m.isOverdue ? 'overdue' : ''}>
                      <div className="milestone-head">
                        <strong>{m.title}</strong> <StatusBadge enumName="MilestoneStatus" value={m.status} />
                        <span className="muted">{label('MilestoneCategory', m.category)} · {t('due')} {formatDate(m.dueOn)}{m.targetValue ? ` · ${m.targetValue}${m.unit ?? ''}` : ''}</span>
                        {m.isOverdue && <span className="badge health-OFF_TRACK">{t('overdue')}</span>}
                      </div>
                      {m.updates.edges.length > 0 && (
                        <ul className="updates" aria-label={t('updates')}>
                          {m.updates.edges.map(({ node: u }) => (
                            <li key={u.id}>
                              <StatusBadge enumName="UpdateStatus" value={u.status} /> {u.note}
                              {u.progressPercent !== null && ` · ${u.progressPercent}%`}
                              <div className="muted">{t('submittedBy')} {u.submittedBy} · {formatDateTime(u.submittedAt)}
                                {u.reviewedBy && ` · ${t('reviewedBy')} ${u.reviewedBy} · ${formatDateTime(u.reviewedAt!)}`}
                              </div>
                              {u.reviewNote && <div className="review-note">{t('reviewNote')}：{u.reviewNote}</div>}
                              {u.evidenceUrls.map((url) => <div key={url}><a href={url} rel="noreferrer noopener">{url}</a></div>)}
                              <EvidenceList files={u.evidence} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      </section>

      <section className="panel wide" aria-labelledby="training-heading">
        <h2 id="training-heading">{t('trainingSessions')}</h2>
        <table className="data"><thead><tr><th scope="col">{t('topic')}</th><th scope="col">{t('startsOn')}</th><th scope="col" className="num">{t('hours')}</th><th scope="col">{t('mode')}</th><th scope="col" className="num">{t('participants')}</th></tr></thead>
          <tbody>{pairing.trainingSessions.edges.map(({ node: s }) => (
            <tr key={s.id} className={s.voidedAt ? 'voided' : ''}><td>{s.topic} <Voided at={s.voidedAt} reason={s.voidReason} /><EvidenceList files={s.evidence} /></td><td>{s.startsOn}</td><td className="num">{s.hours}</td><td>{label('TrainingMode', s.mode)}</td><td className="num">{formatNumber(s.participants)}</td></tr>
          ))}</tbody></table>
      </section>

      <section className="panel wide" aria-labelledby="activities-heading">
        <h2 id="activities-heading">{t('serviceActivities')}</h2>
        <table className="data"><thead><tr><th scope="col">{t('occurredOn')}</th><th scope="col">{t('kind')}</th><th scope="col" className="num">{t('count')}</th><th scope="col" className="num">{t('beneficiaries')}</th><th scope="col">{t('note')}</th></tr></thead>
          <tbody>{pairing.serviceActivities.edges.map(({ node: a }) => (
            <tr key={a.id} className={a.voidedAt ? 'voided' : ''}><td>{a.occurredOn}</td><td>{label('ServiceKind', a.kind)}</td><td className="num">{formatNumber(a.count)}</td><td className="num">{formatNumber(a.beneficiaries)}</td><td>{a.note} <Voided at={a.voidedAt} reason={a.voidReason} /><EvidenceList files={a.evidence} /></td></tr>
          ))}</tbody></table>
      </section>

      <section className="panel" aria-labelledby="stations-heading">
        <h2 id="stations-heading">{t('stations')}</h2>
        <ul className="plain">{pairing.serviceStations.map((s) => (
          <li key={s.id}>{s.name}（{s.region.name}）· {s.establishedOn} · {s.agency.name} <Voided at={s.voidedAt} reason={s.voidReason} /></li>
        ))}{pairing.serviceStations.length === 0 && <li>{t('noData')}</li>}</ul>
      </section>

      <section className="panel" aria-labelledby="incubations-heading">
        <h2 id="incubations-heading">{t('incubations')}</h2>
        <ul className="plain">{pairing.incubatedOrganizations.map((o) => (
          <li key={o.id}>{o.agency.name} · {label('IncubationStage', o.stage)} · {o.startedOn} <Voided at={o.voidedAt} reason={o.voidReason} /><EvidenceList files={o.evidence} /></li>
        ))}{pairing.incubatedOrganizations.length === 0 && <li>{t('noData')}</li>}</ul>
      </section>

      <section className="panel wide" aria-labelledby="resources-heading">
        <h2 id="resources-heading">{t('resources')}</h2>
        <table className="data"><thead><tr><th scope="col">{t('projectName')}</th><th scope="col">{t('donor')}</th><th scope="col">{t('kind')}</th><th scope="col" className="num">{t('amount')}</th><th scope="col" className="num">{t('batch')}</th><th scope="col" className="num">{t('peopleFunded')}</th><th scope="col">{t('occurredOn')}</th></tr></thead>
          <tbody>{pairing.resourceLinks.edges.map(({ node: r }) => (
            <tr key={r.id} className={r.voidedAt ? 'voided' : ''}><td>{r.projectName} <Voided at={r.voidedAt} reason={r.voidReason} /><EvidenceList files={r.evidence} /></td><td>{r.donor}</td><td>{label('ResourceKind', r.kind)}</td><td className="num">{formatYuan(r.amountYuan)}</td><td className="num">{r.disbursementBatch ?? '—'}</td><td className="num">{formatNumber(r.peopleFunded)}</td><td>{r.occurredOn}</td></tr>
          ))}</tbody></table>
      </section>

      {data.auditEvents && (
        <section className="panel wide" aria-labelledby="audit-heading">
          <h2 id="audit-heading">{t('audit')}</h2>
          <p className="hint">{t('auditNote', { n: formatNumber(data.auditEvents.totalCount) })}</p>
          <table className="data audit"><thead><tr><th scope="col">{t('when')}</th><th scope="col">{t('who')}</th><th scope="col">{t('object')}</th><th scope="col">{t('action')}</th><th scope="col">{t('changes')}</th></tr></thead>
            <tbody>{data.auditEvents.edges.map(({ node: e }) => (
              <tr key={e.id}><td className="nowrap">{formatDateTime(e.occurredAt)}</td><td>{e.actorName}</td><td>{objectName(t, e.objectType)}</td><td>{e.action}</td><td><code>{JSON.stringify(e.changes)}</code></td></tr>
            ))}</tbody></table>
          {data.auditEvents.edges.length === 0 && <p>{t('noData')}</p>}
        </section>
      )}
    </>
  );
}
