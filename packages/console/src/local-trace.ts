import type { TraceResult } from './api/client.js';

/** The trace last opened from a file (shown at /trace/file); it lives only in this tab. */
let opened: TraceResult | undefined;

export function setOpenedTrace(id: string, documents: string[]): void {
  opened = { Id: id, Segments: documents.map((Document, i) => ({ Id: String(i), Document })) };
}

export function openedTrace(): TraceResult | undefined {
  return opened;
}

/** The path that shows the opened file (not a trace id: ids never contain letters past f). */
export const FILE_TRACE_ID = 'file';
