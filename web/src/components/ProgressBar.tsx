import { formatPercent } from '../i18n';

/** Progress against time elapsed: the bar is the share achieved, the tick the share of the term gone. */
export function ProgressBar({ percent, elapsed, label }: { percent: number; elapsed?: number; label: string }) {
  return (
    <div className="progress" role="img" aria-label={`${label} ${formatPercent(percent)}`}>
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${Math.min(100, percent)}%` }} />
        {elapsed !== undefined && <div className="progress-tick" style={{ left: `${Math.min(100, elapsed)}%` }} />}
      </div>
      <span className="progress-text">{formatPercent(percent)}</span>
    </div>
  );
}
