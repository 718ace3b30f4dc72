import type { DuckDBConnection } from '@duckdb/node-api';
import { EPOCH_BEFORE_START_S } from './trace-epochs.js';

const DAY_US = 86_400e6;

/** What one retention pass removed. */
export interface RetentionResult {
  spans: number;
  documents: number;
  annotations: number;
  /** `trace_times` rows whose trace has no rows left under that epoch. */
  traceTimes: number;
}

/**
 * Deletes what is older than `days` days before `nowMs`, in one transaction on the writer
 * connection: spans by start time, documents by arrival, the annotations of deleted spans, and
 * the service graph's cached minutes (so a graph of that time is as empty as its traces), and
 * the `trace_times` rows nothing is left under. The time in a trace id is not used:
 * OpenTelemetry-derived ids carry none. DuckDB reuses the
 * freed blocks after the CHECKPOINT that follows, so the file stops growing rather than
 * shrinking; `EXPORT`/`IMPORT DATABASE` compacts it if ever needed.
 */
export async function deleteOlderThan(
  c: DuckDBConnection,
  days: number,
  nowMs: number,
): Promise<RetentionResult> {
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`retentionDays must be a positive integer: ${days}`);
  const cutoffUs = nowMs * 1000 - days * DAY_US;
  await c.run('BEGIN TRANSACTION');
  try {
    const spans = (await c.run('DELETE FROM spans WHERE start_us < ?', [cutoffUs])).rowsChanged;
    const documents = (await c.run('DELETE FROM documents WHERE received_us < ?', [cutoffUs])).rowsChanged;
    // Annotations carry no time: they go with their span (an anti-join, once an hour).
    const annotations = (
      await c.run(
        `DELETE FROM annotations a WHERE NOT EXISTS (
           SELECT 1 FROM spans s WHERE s.trace_id = a.trace_id AND s.id = a.span_id)`,
      )
    ).rowsChanged;
    // A trace_times row goes once no document or span is left under its epoch. Only epochs up
    // to two hours past the cutoff are checked (a document stored under epoch E starts at most
    // an hour after E, trace-epochs.ts, so newer ones nearly always keep rows; a later pass
    // checks any left), and the same bound in the subqueries lets zone maps skip newer data.
    const horizonS = Math.floor(cutoffUs / 1e6) + 2 * EPOCH_BEFORE_START_S;
    const traceTimes = (
      await c.run(
        `DELETE FROM trace_times t WHERE t.epoch_s < ?
           AND NOT EXISTS (SELECT 1 FROM spans s WHERE s.trace_epoch_s < ?
             AND s.trace_epoch_s = t.epoch_s AND s.trace_id = t.trace_id)
           AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.trace_epoch_s < ?
             AND d.trace_epoch_s = t.epoch_s AND d.trace_id = t.trace_id)`,
        [horizonS, horizonS, horizonS],
      )
    ).rowsChanged;
    await c.run('DELETE FROM graph_minutes WHERE minute_us < ?', [cutoffUs]);
    await c.run('DELETE FROM graph_minutes_done WHERE minute_us < ?', [cutoffUs]);
    await c.run('COMMIT');
    if (spans + documents + traceTimes > 0) await c.run('CHECKPOINT');
    return { spans, documents, annotations, traceTimes };
  } catch (e) {
    await c.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
