export function StatCard({ label, value, tone }: { label: string; value: string; tone?: 'alert' }) {
  return (
    <div className={`stat ${tone ?? ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
