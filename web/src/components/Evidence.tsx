// Evidence files (佐证材料): shown under the record they prove, and picked with captions in a form.
import { useEffect, useId, useState, type MouseEvent } from 'react';
import { headers } from '../client';
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

/**
 * A tab that holds an API token (a kiosk) has no session cookie, so a plain link or <img> would be
 * refused: such a tab fetches the file with its Authorization header and hands the browser a blob
 * URL. The token never goes into a URL, where logs and history would keep it.
 */
const withToken = () => Boolean(sessionStorage.getItem('qianshou.token'));

async function blobUrl(url: string): Promise<string | null> {
  const { Authorization } = headers();
  const response = await fetch(url, { headers: { Authorization }, credentials: 'omit' }).catch(() => null);
  return response?.ok ? URL.createObjectURL(await response.blob()) : null;
}

function Thumbnail({ file }: { file: EvidenceFile }) {
  const [src, setSrc] = useState<string | null>(withToken() ? null : file.thumbnailUrl);
  useEffect(() => {
    if (!withToken() || !file.thumbnailUrl) return undefined;
    let made: string | null = null;
    blobUrl(file.thumbnailUrl).then((url) => { made = url; setSrc(url); });
    return () => { if (made) URL.revokeObjectURL(made); };
  }, [file.thumbnailUrl]);
  return src ? <img src={src} alt={file.caption ?? file.name} loading="lazy" width={64} height={64} /> : <span className="file-type" aria-hidden="true">IMG</span>;
}

function FileLink({ file }: { file: EvidenceFile }) {
  const { t } = useLocale();
  const [failed, setFailed] = useState(false);
  const onClick = async (event: MouseEvent<HTMLAnchorElement>) => {
    if (!withToken()) return; // the cookie goes with the link
    event.preventDefault();
    const url = await blobUrl(file.url);
    setFailed(url === null);
    if (url === null) return;
    const link = Object.assign(document.createElement('a'), { href: url, download: file.name });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <>
      <a href={file.url} download={file.name} onClick={onClick}>{file.name}</a>
      {failed && <span className="field-error" role="alert"> {t('downloadFailed')}</span>}
    </>
  );
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
            ? <Thumbnail file={f} />
            : <span className="file-type" aria-hidden="true">{f.name.split('.').pop()?.toUpperCase().slice(0, 4) ?? '?'}</span>}
          <span className="file-text">
            <FileLink file={f} /> <span className="muted">{formatSize(f.size)}</span>
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
