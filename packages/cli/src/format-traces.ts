import type { TraceSummary } from '@fluoro/model';

/** `fluoro traces` output: one line per trace summary, newest first, as a fixed-width table. */
export function formatTraceList(summaries: TraceSummary[], matched: number, scanned: number): string {
  const rows = summaries.map((s) => [
    new Date(s.StartTime * 1000).toISOString().replace('T', ' ').slice(0, 23),
    s.Id,
    outcome(s),
    s.Http?.HttpMethod ?? '',
    s.Http?.HttpURL ?? '',
    s.ResponseTime === undefined ? 'open' : `${(s.ResponseTime * 1000).toFixed(1)} ms`,
    s.ServiceIds.map((x) => x.Name).join(', '),
  ]);
  const header = ['TIME (UTC)', 'TRACE ID', 'STATUS', 'METHOD', 'URL', 'RESPONSE', 'SERVICES'];
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = table.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return [...lines, `${matched} matched of ${scanned} scanned`].join('\n');
}

function outcome(s: TraceSummary): string {
  const status = s.Http?.HttpStatus === undefined ? '' : String(s.Http.HttpStatus);
  const flag = s.HasFault
    ? 'fault'
    : s.HasThrottle
      ? 'throttle'
      : s.HasError
        ? 'error'
        : s.IsPartial
          ? 'open'
          : 'ok';
  return status ? `${status} ${flag}` : flag;
}
