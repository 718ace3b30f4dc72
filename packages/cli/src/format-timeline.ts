interface Node {
  id: string;
  name: string;
  start: number;
  end: number | undefined;
  label: string;
  /** Lines printed under the row: the exception that ended it, its links and span events. */
  notes: string[];
  children: Node[];
}

interface RawEntity {
  id: string;
  name: string;
  start_time: number;
  end_time?: number;
  parent_id?: string;
  namespace?: string;
  /** A downstream that sent no segment of its own, made by BatchGetTraces from the call. */
  inferred?: boolean;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  http?: { response?: { status?: number } };
  /** An exception id (string) refers to a child's exception; an object holds them. */
  cause?: string | { exceptions?: { type?: string; message?: string }[] };
  links?: { trace_id?: string; id?: string }[];
  /** OpenTelemetry span events other than exceptions (ADR 0005). */
  metadata?: { otel?: { events?: unknown; 'events.dropped'?: unknown } };
  subsegments?: RawEntity[];
}

interface RawEvent {
  name?: unknown;
  time?: unknown;
  attributes?: unknown;
}

/** Longest exception or event text shown on a note line. */
const MAX_NOTE = 120;
/** Span events listed under a row; the rest are counted on one line. */
const MAX_EVENTS = 5;

/**
 * `fluoro trace ID` output: the trace's segments and subsegments as an indented tree with
 * duration bars on a shared time axis. A segment whose `parent_id` is another service's
 * subsegment is drawn under that subsegment, so calls read top to bottom.
 */
export function formatTimeline(traceId: string, documents: string[], barWidth = 40): string {
  const entities = new Map<string, Node>();
  const roots: Node[] = [];
  const tops = documents.map((d) => JSON.parse(d) as RawEntity);
  const toNode = (e: RawEntity, isSegment: boolean): Node => {
    const n: Node = {
      id: e.id,
      name: e.name,
      start: e.start_time,
      end: e.end_time,
      label: labelOf(e, isSegment),
      notes: notesOf(e),
      children: (e.subsegments ?? []).map((s) => toNode(s, false)),
    };
    entities.set(e.id, n);
    return n;
  };
  const nodes = tops.map((t) => ({ doc: t, node: toNode(t, true) }));
  for (const { doc, node } of nodes) {
    const parent = doc.parent_id ? entities.get(doc.parent_id) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const all = [...entities.values()];
  const t0 = Math.min(...all.map((n) => n.start));
  const t1 = Math.max(...all.map((n) => n.end ?? n.start));
  const span = Math.max(t1 - t0, 1e-6);
  // A row is [name, bar, rest]; a note line is one string under the row it belongs to.
  const lines: ([string, string, string] | string)[] = [];
  const walk = (n: Node, depth: number) => {
    const from = Math.min(barWidth - 1, Math.round(((n.start - t0) / span) * barWidth));
    const to = Math.max(from + 1, Math.round((((n.end ?? t1) - t0) / span) * barWidth));
    const bar = ' '.repeat(from) + (n.end === undefined ? '░' : '█').repeat(to - from);
    const ms = n.end === undefined ? 'open' : `${((n.end - n.start) * 1000).toFixed(1)} ms`;
    lines.push([
      `${'  '.repeat(depth)}${n.name}`,
      bar.padEnd(barWidth),
      `${ms.padStart(10)}  ${n.label}`.trimEnd(),
    ]);
    for (const note of n.notes) lines.push(`${'  '.repeat(depth + 1)}${note}`);
    for (const c of [...n.children].sort((a, b) => a.start - b.start)) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.start - b.start)) walk(r, 0);
  const nameWidth = Math.max(...lines.map((l) => (typeof l === 'string' ? 0 : l[0].length)));
  return [
    `trace ${traceId}  ${((t1 - t0) * 1000).toFixed(1)} ms`,
    ...lines.map((l) =>
      typeof l === 'string' ? l : `${l[0].padEnd(nameWidth)}  ${l[1]}  ${l[2]}`.trimEnd(),
    ),
  ].join('\n');
}

/**
 * `! Type: message` for the first recorded exception, `-> linked TRACE / SPAN` per link, and
 * `· +OFFSET name key=value …` per span event (the first few, then how many more).
 */
function notesOf(e: RawEntity): string[] {
  const notes: string[] = [];
  const exception =
    typeof e.cause === 'object' ? e.cause.exceptions?.find((x) => x.message || x.type) : undefined;
  if (exception) notes.push(`! ${oneLine([exception.type, exception.message].filter(Boolean).join(': '))}`);
  for (const link of Array.isArray(e.links) ? e.links : []) {
    if (typeof link?.trace_id === 'string')
      notes.push(`-> linked ${link.trace_id}${link.id ? ` / ${link.id}` : ''}`);
  }
  const otel = e.metadata?.otel;
  const events = (Array.isArray(otel?.events) ? otel.events : []) as RawEvent[];
  for (const event of events.slice(0, MAX_EVENTS)) {
    const at =
      typeof event?.time === 'number' ? `+${((event.time - e.start_time) * 1000).toFixed(1)} ms ` : '';
    const attributes =
      event?.attributes && typeof event.attributes === 'object'
        ? Object.entries(event.attributes).map(
            ([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
          )
        : [];
    notes.push(`· ${oneLine(`${at}${String(event?.name ?? '')}${attributes.join('')}`)}`);
  }
  const more =
    events.length - MAX_EVENTS + (typeof otel?.['events.dropped'] === 'number' ? otel['events.dropped'] : 0);
  if (more > 0) notes.push(`· … ${more} more event${more === 1 ? '' : 's'}`);
  return notes;
}

/** Whitespace folded to single spaces, cut at MAX_NOTE characters. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_NOTE ? `${flat.slice(0, MAX_NOTE - 1)}…` : flat;
}

function labelOf(e: RawEntity, isSegment: boolean): string {
  const parts: string[] = [];
  if (e.http?.response?.status !== undefined) parts.push(String(e.http.response.status));
  if (e.fault) parts.push('fault');
  else if (e.throttle) parts.push('throttle');
  else if (e.error) parts.push('error');
  if (!isSegment && e.namespace && e.namespace !== 'local') parts.push(`(${e.namespace})`);
  if (isSegment && e.inferred) parts.push('(inferred)');
  return parts.join(' ');
}
