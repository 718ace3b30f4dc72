import { useMemo } from 'react';
import type { TraceResult } from '../api/client.js';

/** Largest raw JSON shown inline; bigger traces are downloaded instead. */
const RAW_LIMIT_CHARS = 2_000_000;

export function RawJson({ trace }: { trace: TraceResult }) {
  const text = useMemo(
    () =>
      JSON.stringify(
        trace.Segments.map((s) => JSON.parse(s.Document) as unknown),
        null,
        2,
      ),
    [trace],
  );
  return (
    <pre className="json raw" data-testid="raw-json">
      {text.length > RAW_LIMIT_CHARS
        ? `${text.slice(0, RAW_LIMIT_CHARS)}\n… ${text.length - RAW_LIMIT_CHARS} more characters: use Download JSON`
        : text}
    </pre>
  );
}
