import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { Field } from '../components/Field';
import { StatCard } from '../components/StatCard';
import { request, upload, type ApiError } from '../client';
import { graphql, type ResultOf, type VariablesOf } from '../graphql';
import { formatNumber, useLocale } from '../i18n';
import { importKinds, useViewer } from '../session';

const ReportFields = graphql(`
  fragment ImportReportFields on ImportReport @_unmask {
    kind dryRun sheet rows written created updated unchanged problemCount
    problems { sheet row column value message messageZh code }
  }
`);

const JobFields = graphql(`
  fragment ImportJobFields on ImportJob @_unmask { id status rowsRead rowsWritten report { ...ImportReportFields } }
`, [ReportFields]);

const ImportRecords = graphql(`
  mutation ImportRecords($kind: ImportKind!, $file: Upload!, $dryRun: Boolean!) {
    importRecords(kind: $kind, file: $file, dryRun: $dryRun) {
      report { ...ImportReportFields }
      job { ...ImportJobFields }
    }
  }
`, [ReportFields, JobFields]);

const JobQuery = graphql(`
  query ImportJob($id: ID!) { importJob(id: $id) { ...ImportJobFields } }
`, [JobFields]);

type Job = ResultOf<typeof JobFields>;
type Report = ResultOf<typeof ReportFields>;
type Kind = VariablesOf<typeof ImportRecords>['kind'];

const POLL_MS = 1000;

/** Polls a background job until it has ended; the job's progress shows meanwhile. */
function useJob(initial: Job | null, onError: (errors: ApiError[]) => void): Job | null {
  const [job, setJob] = useState(initial);
  useEffect(() => setJob(initial), [initial]);
  useEffect(() => {
    if (!job || job.report) return;
    const timer = window.setTimeout(async () => {
      const answer = await request(JobQuery, { id: job.id });
      if (answer.data) setJob(answer.data.importJob);
      else onError(answer.errors ?? []);
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [job, onError]);
  return job;
}

function ReportView({ report }: { report: Report }) {
  const { t, lang } = useLocale();
  const outcome = report.problemCount ? t('importHasProblems') : report.written ? t('importWritten') : t('importChecked');
  return (
    <section className="panel" aria-labelledby="import-report" data-testid="import-report">
      <h2 id="import-report">{report.dryRun ? t('dryRunReport') : t('importReport')}</h2>
      <p role="status">{outcome}</p>
      <dl className="stats">
        <StatCard label={t('rowsRead')} value={formatNumber(report.rows)} />
        <StatCard label={t('created')} value={formatNumber(report.created)} />
        <StatCard label={t('updated')} value={formatNumber(report.updated)} />
        <StatCard label={t('unchanged')} value={formatNumber(report.unchanged)} />
        <StatCard label={t('problems')} value={formatNumber(report.problemCount)} tone={report.problemCount ? 'alert' : undefined} />
      </dl>
      {report.problems.length > 0 && (
        <table className="data" data-testid="problems">
          <caption>{report.problemCount > report.problems.length ? t('problemsShown', { n: report.problems.length }) : t('problems')}</caption>
          <thead><tr><th scope="col">{t('sheet')}</th><th scope="col" className="num">{t('row')}</th><th scope="col">{t('column')}</th><th scope="col">{t('cell')}</th><th scope="col">{t('problem')}</th></tr></thead>
          <tbody>
            {report.problems.map((p, i) => (
              <tr key={i}>
                <td>{p.sheet}</td><td className="num">{p.row ?? '—'}</td><td>{p.column ?? '—'}</td><td>{p.value ?? ''}</td>
                <td>{lang === 'zh' ? p.messageZh : p.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Import() {
  const { t, label } = useLocale();
  const kinds = importKinds(useViewer());
  const [kind, setKind] = useState<Kind>(kinds[0] ?? 'SERVICE_ACTIVITIES');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [report, setReport] = useState<Report | null>(null);
  const [started, setStarted] = useState<Job | null>(null);
  const job = useJob(started, setErrors);
  if (kinds.length === 0) return <p className="error-note" role="alert">{t('mayNotImport')}</p>;
  const send = async (dryRun: boolean) => {
    if (!file) return setErrors([{ message: t('chooseFileFirst') }]);
    setBusy(true);
    setErrors([]);
    setReport(null);
    setStarted(null);
    const answer = await upload(ImportRecords, { kind, file: null, dryRun }, [{ path: 'file', file }]);
    setBusy(false);
    const payload = answer.data?.importRecords;
    if (!payload) return setErrors(answer.errors ?? []);
    setReport(payload.report ?? null);
    setStarted(payload.job ?? null);
  };
  const submit = (event: FormEvent) => { event.preventDefault(); void send(false); };
  const slug = kind.toLowerCase().replaceAll('_', '-');
  const shown = job?.report ?? report;
  return (
    <div className="import">
      <h1>{t('import')}</h1>
      <form className="panel" onSubmit={submit} aria-busy={busy}>
        <p>{t('importNote')}</p>
        <Field id="import-kind" label={t('importKind')} required>
          {(props) => (
            <select {...props} value={kind} onChange={(e) => { setKind(e.target.value as Kind); setReport(null); setStarted(null); }}>
              {kinds.map((k) => <option key={k} value={k}>{label('ImportKind', k)}</option>)}
            </select>
          )}
        </Field>
        <p><a href={`/imports/templates/${slug}.xlsx`} download>{t('downloadTemplate', { kind: label('ImportKind', kind) })}</a></p>
        <Field id="import-file" label={t('importFile')} required>
          {(props) => <input {...props} type="file" accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void send(true)}>{t('dryRun')}</button>
          <button type="submit" disabled={busy}>{t('importNow')}</button>
        </div>
      </form>
      <ErrorNote errors={errors} />
      {busy && <p role="status">{t('importing')}</p>}
      {job && !job.report && (
        <p role="status" data-testid="import-job">{t('jobRunning', { read: formatNumber(job.rowsRead), written: formatNumber(job.rowsWritten) })}</p>
      )}
      {shown && <ReportView report={shown} />}
    </div>
  );
}
