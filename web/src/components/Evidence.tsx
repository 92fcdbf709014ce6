// Evidence files (佐证材料): shown under the record they prove, and picked with captions in a form.
import { useId } from 'react';
import { useLocale } from '../i18n';

export interface EvidenceFile {
  id: string; name: string; size: number; contentType: string; caption: string | null; url: string; thumbnailUrl: string | null;
}

export interface PickedFile { file: File; caption: string }

const units = ['B', 'KB', 'MB', 'GB'];

/** 1536 -> "1.5 KB": sizes as people read them. */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The files of one record: a thumbnail for photos, name, size, caption and a download link. */
export function EvidenceList({ files }: { files: readonly EvidenceFile[] }) {
  const { t } = useLocale();
  if (files.length === 0) return null;
  return (
    <ul className="evidence" aria-label={t('evidenceFiles')}>
      {files.map((f) => (
        <li key={f.id}>
          {f.thumbnailUrl
            ? <img src={f.thumbnailUrl} alt={f.caption ?? f.name} loading="lazy" width={64} height={64} />
            : <span className="file-type" aria-hidden="true">{f.name.split('.').pop()?.toUpperCase().slice(0, 4) ?? '?'}</span>}
          <span className="file-text">
            <a href={f.url} download={f.name}>{f.name}</a> <span className="muted">{formatSize(f.size)}</span>
            {f.caption && <span className="caption">{f.caption}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A file input that adds to a list of chosen files, each with a caption and a way to take it out. */
export function FilePicker({ picked, onChange }: { picked: PickedFile[]; onChange: (next: PickedFile[]) => void }) {
  const { t } = useLocale();
  const id = useId();
  return (
    <div className="field file-picker">
      <label htmlFor={id}>{t('attachFiles')}</label>
      <input id={id} type="file" multiple
        accept=".pdf,.jpg,.jpeg,.png,.webp,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt"
        onChange={(event) => {
          const chosen = [...(event.target.files ?? [])].map((file) => ({ file, caption: '' }));
          onChange([...picked, ...chosen]);
          event.target.value = '';
        }} />
      {picked.length > 0 && (
        <ul className="picked">
          {picked.map((p, i) => (
            <li key={`${p.file.name}-${i}`}>
              <span>{p.file.name} <span className="muted">{formatSize(p.file.size)}</span></span>
              <input aria-label={`${t('fileCaption')}：${p.file.name}`} placeholder={t('fileCaption')} value={p.caption} maxLength={500}
                onChange={(event) => onChange(picked.map((q, j) => (j === i ? { ...q, caption: event.target.value } : q)))} />
              <button type="button" className="link" aria-label={`${t('removeFile')} ${p.file.name}`}
                onClick={() => onChange(picked.filter((_, j) => j !== i))}>{t('removeFile')}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
