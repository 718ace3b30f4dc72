import type { DuckDBConnection } from '@duckdb/node-api';
import { traceIdEpochSeconds, XRAY_TRACE_ID } from '@fluoro/model';

/**
 * What the DuckDB store writes as `trace_epoch_s`, the column DuckDB's zone maps prune
 * trace-by-id lookups on (ADR 0002, ADR 0010). An X-Ray trace id carries its start time, so its
 * epoch is used as is. OpenTelemetry/W3C/Zipkin ids rewritten to X-Ray form carry 4 random
 * bytes there instead: written as is, every row group holding one of them would span decades
 * and no lookup (of any id) could skip it. A document whose id epoch is not a plausible time
 * for it is therefore stored under a real time, and `(trace_id, epoch_s)` goes into
 * `trace_times`, which lookups consult for the extra epochs of an id.
 */

/**
 * How far before a document's start its trace id's time may be and still be taken as a time.
 * X-Ray accepts ids up to 28 days old, but the window is also the chance that a random epoch
 * passes as a time (28 days: 1 in 1,770, so several to dozens per row group at OTLP rates, each
 * widening its row group's min/max by up to 28 days; 1 hour: 1 in 1.1 million). A segment that starts more
 * than an hour after its trace began (a slow queue consumer) gets a `trace_times` row: found
 * all the same, at the cost of one row.
 */
export const EPOCH_BEFORE_START_S = 3600;
/** How far after a document's start its id's time may be (clock skew between hosts, as X-Ray allows). */
export const EPOCH_AFTER_START_S = 300;

/** Whether `epochS` is a plausible trace time for a document that started at `startS`. */
export function plausibleEpoch(epochS: number, startS: number): boolean {
  return epochS >= startS - EPOCH_BEFORE_START_S && epochS <= startS + EPOCH_AFTER_START_S;
}

/**
 * `trace_times.trace_key`: 32 bits of the id that are random in every kind of id (X-Ray's
 * 96-bit random part, an OTel id's last bytes), so `trace_key = ?` over an INTEGER column
 * finds the candidates before any string is compared. Other ids are hashed (FNV-1a).
 */
export function traceKey(traceId: string): number {
  if (XRAY_TRACE_ID.test(traceId)) return Number.parseInt(traceId.slice(-8), 16) | 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < traceId.length; i++) h = Math.imul(h ^ traceId.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * The epochs the writer gave recent traces that needed one, so a trace's documents share one
 * epoch (one `trace_times` row, one second's row groups to read). Bounded: the oldest entries
 * go first; a trace forgotten here gets another epoch (and row) when its next document comes.
 */
export class TraceEpochs {
  private readonly recent = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  /**
   * The `trace_epoch_s` for a document of `traceId` that started at `startUs`, and whether
   * `(traceId, epoch)` is new and must be written to `trace_times`. Choices made in a batch
   * go to `pending` (pass the same map for the whole batch) and are kept only by `commit`.
   */
  assign(traceId: string, startUs: number, pending: Map<string, number>): { epoch: number; isNew: boolean } {
    const startS = Math.floor(startUs / 1e6);
    const own = traceIdEpochSeconds(traceId);
    if (plausibleEpoch(own, startS)) return { epoch: own, isNew: false };
    const known = pending.get(traceId) ?? this.recent.get(traceId);
    if (known !== undefined && plausibleEpoch(known, startS)) return { epoch: known, isNew: false };
    pending.set(traceId, startS);
    return { epoch: startS, isNew: true };
  }

  /** Keeps a committed batch's choices. */
  commit(pending: Map<string, number>): void {
    for (const [traceId, epoch] of pending) {
      this.recent.delete(traceId);
      this.recent.set(traceId, epoch);
      if (this.recent.size > this.capacity) {
        const oldest = this.recent.keys().next().value;
        if (oldest !== undefined) this.recent.delete(oldest);
      }
    }
  }

  /** Forgets everything (after retention deleted rows, so no epoch is reused without its row). */
  clear(): void {
    this.recent.clear();
  }
}

/**
 * Which `trace_key`s `trace_times` may hold: one bit per 64 keys (8 MB, allocated with the
 * first key). A lookup of an id whose bit is clear skips the `trace_times` query, so X-Ray ids
 * cost what they did before the table existed; at 1 million time-less traces about 1.5 % of
 * other ids still query it. Bits are never cleared (retention only adds false positives).
 */
export class TraceKeyFilter {
  private bits: Uint32Array | undefined;

  add(key: number): void {
    this.bits ??= new Uint32Array(1 << 21);
    const i = key >>> 6;
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }

  mightHold(key: number): boolean {
    if (!this.bits) return false;
    const i = key >>> 6;
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** Adds every key `trace_times` holds (at open). */
  async load(c: DuckDBConnection): Promise<void> {
    // One value per bit rather than per key: at most 2^26, usually far fewer.
    const r = await c.runAndReadAll('SELECT DISTINCT (trace_key::BIGINT & 4294967295) >> 6 FROM trace_times');
    for (const [bit] of r.getRows()) this.add(Number(bit) << 6);
  }
}

/**
 * The lowest and highest `trace_epoch_s` stored (widened before each commit, never narrowed):
 * an id's own epoch outside it cannot be the epoch of any row, so a lookup leaves it out. That
 * drops the random epochs of OpenTelemetry ids (and turns their lookup into `trace_epoch_s = ?`
 * with the one epoch trace_times gives), while files written before trace_times, whose
 * OpenTelemetry rows do sit under random epochs, have a range wide enough to keep them.
 */
export class EpochRange {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(epochS: number): void {
    if (epochS < this.min) this.min = epochS;
    if (epochS > this.max) this.max = epochS;
  }

  holds(epochS: number): boolean {
    return epochS >= this.min && epochS <= this.max;
  }

  /** Reads the range of what `documents` and `spans` hold (at open). */
  async load(c: DuckDBConnection): Promise<void> {
    for (const table of ['documents', 'spans']) {
      const r = await c.runAndReadAll(`SELECT min(trace_epoch_s), max(trace_epoch_s) FROM ${table}`);
      for (const v of r.getRows()[0] ?? []) if (v !== null) this.add(Number(v));
    }
  }
}

/**
 * Every `trace_epoch_s` the rows of each trace may have: the id's own epoch (X-Ray ids, and
 * anything written before trace_times existed) unless `range` rules it out, plus the epochs
 * `trace_times` records (asked only for ids `filter` does not rule out). Distinct, ascending;
 * empty for a trace that can have no rows.
 */
export async function epochsOf(
  c: DuckDBConnection,
  traceIds: string[],
  filter?: TraceKeyFilter,
  range?: EpochRange,
): Promise<Map<string, number[]>> {
  const out = new Map<string, Set<number>>();
  for (const id of traceIds) {
    const own = traceIdEpochSeconds(id);
    out.set(id, new Set(!range || range.holds(own) ? [own] : []));
  }
  const ask = filter ? traceIds.filter((id) => filter.mightHold(traceKey(id))) : traceIds;
  if (ask.length > 0) {
    const keys = [...new Set(ask.map(traceKey))];
    const r = await c.runAndReadAll(
      `SELECT trace_id, epoch_s FROM trace_times
       WHERE trace_key IN (${keys.map(() => '?').join(', ')})
         AND trace_id IN (${ask.map(() => '?').join(', ')})`,
      [...keys, ...ask],
    );
    for (const [id, epoch] of r.getRows()) out.get(String(id))?.add(Number(epoch));
  }
  return new Map([...out].map(([id, set]) => [id, [...set].sort((a, b) => a - b)]));
}

/**
 * A predicate for the rows of `epochs`' traces. Per trace `trace_epoch_s = ?` (or `IN (...)`)
 * AND `trace_id = ?`: DuckDB pushes both into the scan, prunes row groups on the epochs' zone
 * maps and compares strings only where the epoch matched (with one epoch: `IN` is pushed down
 * only for pruning, and then every row of the row group has its `trace_id` compared). Undefined
 * when no trace can have rows.
 */
export function byTraceEpochs(
  epochs: Map<string, number[]>,
): { where: string; params: (string | number)[] } | undefined {
  const params: (string | number)[] = [];
  const found = [...epochs].filter(([, list]) => list.length > 0);
  if (found.length === 0) return undefined;
  const parts = found.map(([id, list]) => {
    params.push(...list, id);
    const epoch =
      list.length === 1 ? 'trace_epoch_s = ?' : `trace_epoch_s IN (${list.map(() => '?').join(', ')})`;
    return `(${epoch} AND trace_id = ?)`;
  });
  return { where: `(${parts.join(' OR ')})`, params };
}
