/**
 * Reads a trace from a file a user opens: the console's own download (`{Id, Segments: [doc]}`),
 * a BatchGetTraces answer (`{Traces: [{Id, Segments: [{Document}]}]}`, the AWS CLI's
 * `aws xray batch-get-traces` output), an array of segment documents, or one document per line.
 * Returns the trace id and the documents as JSON text, or an error message.
 */
export function parseTraceFile(text: string): { id: string; documents: string[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    try {
      value = lines.map((l) => JSON.parse(l) as unknown);
    } catch {
      return { error: 'The file is not JSON, nor one JSON document per line.' };
    }
  }
  // A single segment document (a one-line file) is a trace of one document.
  if (value && typeof value === 'object' && 'trace_id' in value && 'start_time' in value) value = [value];
  const o = value as { Traces?: unknown[]; Segments?: unknown[]; Id?: unknown };
  const trace = Array.isArray(o?.Traces) ? (o.Traces[0] as typeof o | undefined) : o;
  const segments = Array.isArray(value) ? value : Array.isArray(trace?.Segments) ? trace.Segments : undefined;
  if (!segments || segments.length === 0) return { error: 'No segment documents found in the file.' };
  const documents = segments.map((s) => {
    const doc = (s as { Document?: unknown }).Document;
    return typeof doc === 'string' ? doc : JSON.stringify(s);
  });
  const first = JSON.parse(documents[0]!) as { trace_id?: unknown };
  const id =
    typeof trace?.Id === 'string' ? trace.Id : typeof first.trace_id === 'string' ? first.trace_id : 'file';
  return { id, documents };
}
