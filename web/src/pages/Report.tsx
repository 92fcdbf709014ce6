import { useState } from 'react';
import { request, upload } from '../client';
import { ErrorNote } from '../components/ErrorNote';
import { Link } from '../components/Link';
import { Loading } from '../components/Loading';
import type { PickedFile } from '../components/Evidence';
import { RecordForm, type FieldSpec, type Outcome } from '../components/RecordForm';
import { graphql } from '../graphql';
import { useLocale } from '../i18n';
import { navigate, withParams, type Location } from '../router';
import { reports, useViewer } from '../session';
import { useQuery } from '../useQuery';

const OwnPairings = graphql(`
  query OwnPairings($agencyId: ID) {
    pairings(filter: { agencyId: $agencyId }, first: 100) { edges { node { id status mentor { name } supported { name } } } }
  }
`);

const ReportContext = graphql(`
  query ReportContext($id: ID!) {
    pairing(id: $id) {
      id mentor { id name } supported { id name region { id name } }
      milestones(first: 100) { edges { node { id title termYear status } } }
      serviceStations { id name establishedOn voidedAt }
      trainingSessions(first: 100) { edges { node { id topic startsOn voidedAt } } }
      serviceActivities(first: 100) { edges { node { id kind occurredOn count voidedAt } } }
      resourceLinks(first: 100) { edges { node { id projectName amountYuan occurredOn voidedAt } } }
      incubatedOrganizations { id startedOn agency { name } voidedAt }
    }
  }
`);

const Places = graphql(`
  query ReportPlaces($regionId: ID!) {
    regions(parentId: $regionId, first: 100) { edges { node { id name } } }
    agencies(filter: { regionId: $regionId }, first: 100) { edges { node { id name } } }
  }
`);

const Submit = graphql(`mutation SubmitUpdate($input: SubmitMilestoneUpdateInput!) { submitMilestoneUpdate(input: $input) { milestoneUpdate { id evidence { id } } userErrors { field message code } } }`);
const Training = graphql(`mutation RecordTraining($input: RecordTrainingSessionInput!) { recordTrainingSession(input: $input) { trainingSession { id } userErrors { field message code } } }`);
const Activity = graphql(`mutation RecordActivity($input: RecordServiceActivityInput!) { recordServiceActivity(input: $input) { serviceActivity { id } userErrors { field message code } } }`);
const Station = graphql(`mutation CreateStation($input: CreateServiceStationInput!) { createServiceStation(input: $input) { serviceStation { id } userErrors { field message code } } }`);
const Incubation = graphql(`mutation RecordIncubation($input: RecordIncubationInput!) { recordIncubation(input: $input) { incubatedOrganization { id } userErrors { field message code } } }`);
const Resource = graphql(`mutation RecordResource($input: RecordResourceLinkInput!) { recordResourceLink(input: $input) { resourceLink { id } userErrors { field message code } } }`);
const VoidTraining = graphql(`mutation VoidTraining($input: VoidRecordInput!) { voidTrainingSession(input: $input) { userErrors { field message code } } }`);
const VoidActivity = graphql(`mutation VoidActivity($input: VoidRecordInput!) { voidServiceActivity(input: $input) { userErrors { field message code } } }`);
const VoidResource = graphql(`mutation VoidResource($input: VoidRecordInput!) { voidResourceLink(input: $input) { userErrors { field message code } } }`);
const VoidStation = graphql(`mutation VoidStation($input: VoidRecordInput!) { voidServiceStation(input: $input) { userErrors { field message code } } }`);
const VoidIncubation = graphql(`mutation VoidIncubation($input: VoidRecordInput!) { voidIncubation(input: $input) { userErrors { field message code } } }`);

const FORMS = ['update', 'training', 'activity', 'station', 'incubation', 'resource'] as const;
type FormName = (typeof FORMS)[number];

const today = () => new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const int = (value: string) => (value.trim() === '' ? null : Number(value));
const text = (value: string) => (value.trim() === '' ? null : value.trim());
const key = () => crypto.randomUUID();

/** Picked files as a mutation's `evidence` input (each file's place left null) and the parts that fill those places. */
function evidenceOf(files: PickedFile[]) {
  return {
    evidence: files.map((f) => ({ file: null, caption: text(f.caption) })),
    parts: files.map((f, i) => ({ path: `input.evidence.${i}.file`, file: f.file })),
  };
}

/** The payload of a mutation as a form outcome. */
function outcome(answer: { data?: unknown; errors?: Outcome['errors'] }, field: string): Outcome {
  const payload = (answer.data as Record<string, { userErrors: Outcome['userErrors'] } | undefined> | null | undefined)?.[field];
  return { userErrors: payload?.userErrors ?? [], errors: answer.errors };
}

function VoidButton({ label, onVoid }: { label: string; onVoid: (reason: string) => Promise<Outcome> }) {
  const { t } = useLocale();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const id = `void-${label.replace(/\W/g, '')}-${Math.random().toString(36).slice(2, 7)}`;
  if (!open) return <button type="button" className="link" onClick={() => setOpen(true)} aria-label={`${t('voidRecord')} ${label}`}>{t('voidRecord')}</button>;
  return (
    <form className="void-form" onSubmit={async (event) => {
      event.preventDefault();
      const result = await onVoid(reason);
      const messages = [...result.userErrors.map((e) => e.message), ...(result.errors ?? []).map((e) => e.message)];
      setError(messages.join('；'));
      if (!messages.length) setOpen(false);
    }}>
      <label htmlFor={id}>{t('voidReason')}</label>
      <input id={id} value={reason} onChange={(event) => setReason(event.target.value)} aria-invalid={Boolean(error)} aria-describedby={error ? `${id}-error` : undefined} />
      <button type="submit">{t('voidRecord')}</button>
      {error && <p className="field-error" id={`${id}-error`} role="alert">{error}</p>}
    </form>
  );
}

function Forms({ pairingId, form, location }: { pairingId: string; form: FormName; location: Location }) {
  const { t, label } = useLocale();
  const context = useQuery(ReportContext, { id: pairingId });
  const pairing = context.data?.pairing;
  const places = useQuery(Places, { regionId: pairing?.supported.region.id ?? '' }, !pairing);
  if (!pairing) return context.loading ? <Loading /> : <ErrorNote errors={context.errors} />;
  // The forms' choices (townships, agencies) must be there before a form is shown, or it would be
  // drawn again, empty, under the hands of someone typing.
  if (!places.data) return places.errors.length ? <ErrorNote errors={places.errors} /> : <Loading />;
  const refresh = context.refetch;
  const kinds = (enumName: string, values: string[]) => values.map((value) => ({ value, label: label(enumName, value) }));
  const specs: Record<FormName, { title: string; fields: FieldSpec[]; withFiles?: boolean; submit: (v: Record<string, string>, files: PickedFile[]) => Promise<Outcome> }> = {
    update: {
      title: t('submitUpdate'),
      fields: [
        { name: 'milestoneId', label: t('milestone'), type: 'select', required: true, initial: pairing.milestones.edges.find((e) => !['ACHIEVED', 'WAIVED'].includes(e.node.status))?.node.id,
          options: pairing.milestones.edges.filter((e) => !['ACHIEVED', 'WAIVED'].includes(e.node.status)).map(({ node }) => ({ value: node.id, label: `${t('termYear', { n: node.termYear })} · ${node.title}` })) },
        { name: 'note', label: t('note'), type: 'textarea', required: true },
        { name: 'progressPercent', label: t('percent'), type: 'number' },
        { name: 'progressValue', label: t('value'), type: 'number', step: '0.01' },
        { name: 'evidenceUrls', label: t('evidence'), type: 'textarea' },
      ],
      withFiles: true,
      submit: async (v, files) => { const { evidence, parts } = evidenceOf(files); return outcome(await upload(Submit, { input: {
        milestoneId: v.milestoneId, note: v.note, progressPercent: int(v.progressPercent), progressValue: text(v.progressValue),
        evidenceUrls: v.evidenceUrls.split('\n').map((u) => u.trim()).filter(Boolean), idempotencyKey: key(), evidence,
      } }, parts), 'submitMilestoneUpdate'); },
    },
    training: {
      title: t('recordTraining'),
      fields: [
        { name: 'topic', label: t('topic'), required: true },
        { name: 'startsOn', label: t('startsOn'), type: 'date', required: true, initial: today() },
        { name: 'endsOn', label: t('endsOn'), type: 'date' },
        { name: 'hours', label: t('hours'), type: 'number', step: '0.5', required: true },
        { name: 'mode', label: t('mode'), type: 'select', required: true, initial: 'ON_SITE', options: kinds('TrainingMode', ['ON_SITE', 'REMOTE']) },
        { name: 'participants', label: t('participants'), type: 'number', required: true },
      ],
      withFiles: true,
      submit: async (v, files) => { const { evidence, parts } = evidenceOf(files); return outcome(await upload(Training, { input: {
        pairingId, topic: v.topic, startsOn: v.startsOn, endsOn: text(v.endsOn), hours: v.hours || '0', mode: v.mode as 'ON_SITE',
        participants: int(v.participants) ?? 0, idempotencyKey: key(), evidence,
      } }, parts), 'recordTrainingSession'); },
    },
    activity: {
      title: t('recordActivity'),
      fields: [
        { name: 'kind', label: t('kind'), type: 'select', required: true, initial: 'HOME_VISIT', options: kinds('ServiceKind', ['HOME_VISIT', 'CASEWORK', 'GROUP_SESSION', 'THEMED_ACTIVITY']) },
        { name: 'occurredOn', label: t('occurredOn'), type: 'date', required: true, initial: today() },
        { name: 'count', label: t('count'), type: 'number', required: true },
        { name: 'beneficiaries', label: t('beneficiaries'), type: 'number' },
        { name: 'stationId', label: t('station'), type: 'select', options: pairing.serviceStations.filter((s) => !s.voidedAt).map((s) => ({ value: s.id, label: s.name })) },
        { name: 'note', label: t('note'), type: 'textarea' },
      ],
      withFiles: true,
      submit: async (v, files) => { const { evidence, parts } = evidenceOf(files); return outcome(await upload(Activity, { input: {
        pairingId, kind: v.kind as 'HOME_VISIT', occurredOn: v.occurredOn, count: int(v.count) ?? 0, beneficiaries: int(v.beneficiaries),
        stationId: text(v.stationId), note: text(v.note), idempotencyKey: key(), evidence,
      } }, parts), 'recordServiceActivity'); },
    },
    station: {
      title: t('createStation'),
      fields: [
        { name: 'name', label: t('stationName'), required: true },
        { name: 'regionId', label: t('township'), type: 'select', required: true, initial: places.data?.regions.edges[0]?.node.id,
          options: places.data?.regions.edges.map(({ node }) => ({ value: node.id, label: node.name })) ?? [] },
        { name: 'establishedOn', label: t('establishedOn'), type: 'date', required: true, initial: today() },
      ],
      submit: async (v) => outcome(await request(Station, { input: { pairingId, name: v.name, regionId: v.regionId, establishedOn: v.establishedOn, idempotencyKey: key() } }), 'createServiceStation'),
    },
    incubation: {
      title: t('recordIncubation'),
      fields: [
        { name: 'agencyId', label: t('incubatedAgency'), type: 'select', required: true, initial: places.data?.agencies.edges[0]?.node.id,
          options: places.data?.agencies.edges.map(({ node }) => ({ value: node.id, label: node.name })) ?? [] },
        { name: 'startedOn', label: t('startsOn'), type: 'date', required: true, initial: today() },
        { name: 'stage', label: t('stage'), type: 'select', required: true, initial: 'INCUBATING', options: kinds('IncubationStage', ['INCUBATING', 'REGISTERED', 'INDEPENDENT']) },
      ],
      withFiles: true,
      submit: async (v, files) => { const { evidence, parts } = evidenceOf(files); return outcome(await upload(Incubation, { input: {
        pairingId, agencyId: v.agencyId, startedOn: v.startedOn, stage: v.stage as 'INCUBATING', idempotencyKey: key(), evidence,
      } }, parts), 'recordIncubation'); },
    },
    resource: {
      title: t('recordResource'),
      fields: [
        { name: 'projectName', label: t('projectName'), required: true },
        { name: 'kind', label: t('kind'), type: 'select', required: true, initial: 'CASH', options: kinds('ResourceKind', ['CASH', 'IN_KIND']) },
        { name: 'amountYuan', label: t('amount'), type: 'number', step: '0.01', required: true },
        { name: 'occurredOn', label: t('occurredOn'), type: 'date', required: true, initial: today() },
        { name: 'donor', label: t('donor') },
        { name: 'disbursementBatch', label: t('batch'), type: 'number' },
        { name: 'peopleFunded', label: t('peopleFunded'), type: 'number' },
      ],
      withFiles: true,
      submit: async (v, files) => { const { evidence, parts } = evidenceOf(files); return outcome(await upload(Resource, { input: {
        pairingId, projectName: v.projectName, kind: v.kind as 'CASH', amountYuan: v.amountYuan || '0', occurredOn: v.occurredOn,
        donor: text(v.donor), disbursementBatch: int(v.disbursementBatch), peopleFunded: int(v.peopleFunded), idempotencyKey: key(), evidence,
      } }, parts), 'recordResourceLink'); },
    },
  };
  const spec = specs[form];
  const nothingOpen = form === 'update' && spec.fields[0].options?.length === 0;
  const voidWith = (document: typeof VoidTraining, field: string) => async (id: string, reason: string) => {
    const result = outcome(await request(document, { input: { id, reason } }), field);
    if (!result.userErrors.length && !result.errors?.length) refresh();
    return result;
  };
  const records = [
    ...pairing.trainingSessions.edges.map(({ node }) => ({ id: node.id, date: node.startsOn, text: `${t('trainingSessions')} · ${node.topic} · ${node.startsOn}`, voided: node.voidedAt, void: voidWith(VoidTraining, 'voidTrainingSession') })),
    ...pairing.serviceActivities.edges.map(({ node }) => ({ id: node.id, date: node.occurredOn, text: `${label('ServiceKind', node.kind)} · ${node.occurredOn} · ${node.count}`, voided: node.voidedAt, void: voidWith(VoidActivity as typeof VoidTraining, 'voidServiceActivity') })),
    ...pairing.resourceLinks.edges.map(({ node }) => ({ id: node.id, date: node.occurredOn, text: `${node.projectName} · ${node.occurredOn} · ¥${node.amountYuan}`, voided: node.voidedAt, void: voidWith(VoidResource as typeof VoidTraining, 'voidResourceLink') })),
    ...pairing.serviceStations.map((s) => ({ id: s.id, date: s.establishedOn, text: `${t('stations')} · ${s.name}`, voided: s.voidedAt, void: voidWith(VoidStation as typeof VoidTraining, 'voidServiceStation') })),
    ...pairing.incubatedOrganizations.map((o) => ({ id: o.id, date: o.startedOn, text: `${t('incubations')} · ${o.agency.name}`, voided: o.voidedAt, void: voidWith(VoidIncubation as typeof VoidTraining, 'voidIncubation') })),
  ].filter((r) => !r.voided).sort((a, b) => b.date.localeCompare(a.date)).slice(0, 30);
  return (
    <>
      <h2 className="subtitle"><Link href={`/pairings/${pairing.id}`}>{pairing.mentor.name} → {pairing.supported.name}</Link></h2>
      <nav className="tabs" aria-label={t('report')}>
        {FORMS.map((name) => (
          <Link key={name} href={withParams(location, { form: name })} aria-current={name === form ? 'page' : undefined}>{specs[name].title}</Link>
        ))}
      </nav>
      <div className="report-layout">
        {nothingOpen ? <p className="panel">{t('noOpenMilestones')}</p> : <RecordForm key={form} id={`form-${form}`} title={spec.title} fields={spec.fields} submit={spec.submit} withFiles={spec.withFiles} onSaved={refresh} />}
        <section className="panel" aria-labelledby="recent-heading">
          <h2 id="recent-heading">{t('recent')}</h2>
          <ul className="plain records">
            {records.map((r) => <li key={r.id}><span>{r.text}</span> <VoidButton label={r.text} onVoid={(reason) => r.void(r.id, reason)} /></li>)}
            {records.length === 0 && <li>{t('noData')}</li>}
          </ul>
        </section>
      </div>
    </>
  );
}

export function Report({ location }: { location: Location }) {
  const { t } = useLocale();
  const viewer = useViewer();
  const pairingId = location.params.get('pairing');
  const form = (FORMS as readonly string[]).includes(location.params.get('form') ?? '') ? (location.params.get('form') as FormName) : 'update';
  const own = useQuery(OwnPairings, { agencyId: viewer.agency?.id ?? null });
  if (!reports(viewer)) return <><h1>{t('report')}</h1><p className="error-note" role="alert">{t('mayNotWrite')}</p></>;
  return (
    <>
      <h1>{t('report')}</h1>
      <div className="filters">
        <div className="field inline">
          <label htmlFor="report-pairing">{t('choosePairing')}</label>
          <select id="report-pairing" value={pairingId ?? ''} onChange={(event) => navigate(withParams(location, { pairing: event.target.value }))}>
            <option value="">—</option>
            {own.data?.pairings.edges.map(({ node }) => <option key={node.id} value={node.id}>{node.mentor.name} → {node.supported.name}</option>)}
          </select>
        </div>
      </div>
      {pairingId && <Forms key={pairingId} pairingId={pairingId} form={form} location={location} />}
    </>
  );
}
