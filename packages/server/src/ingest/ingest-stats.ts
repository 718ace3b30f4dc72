import type { RejectReason } from '@fluoro/model';

/** Why ingest dropped something that was not a bad document. */
export type DropReason = 'queue_full' | 'store_unavailable';

/**
 * Ingest counters, exposed at GET /api/stats. Every document that reaches Fluoro ends up in
 * exactly one of: written, rejected (by reason), dropped (by reason), or still queued.
 */
export class IngestStats {
  received = 0;
  accepted = 0;
  written = 0;
  writeRetries = 0;
  readonly rejected = new Map<RejectReason | 'bad_header' | 'missing_body' | 'oversize_datagram', number>();
  readonly dropped = new Map<DropReason, number>();
  private readonly logged = new Set<string>();

  reject(reason: RejectReason | 'bad_header' | 'missing_body' | 'oversize_datagram', message: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    this.logOnce(`rejected:${reason}`, `fluoro: rejected a document (${reason}): ${message}`);
  }

  drop(reason: DropReason, count: number, message: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + count);
    this.logOnce(`dropped:${reason}`, `fluoro: dropped ${count} document(s) (${reason}): ${message}`);
  }

  /** Logs a problem that lost nothing (yet), once per kind. */
  warn(key: string, message: string): void {
    this.logOnce(key, `fluoro: ${message}`);
  }

  /** One log line per kind of problem, so a flood of bad input cannot flood the log. */
  private logOnce(key: string, line: string): void {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    console.error(`${line} (further ones are only counted, see GET /api/stats)`);
  }

  toJSON(): Record<string, unknown> {
    return {
      received: this.received,
      accepted: this.accepted,
      written: this.written,
      writeRetries: this.writeRetries,
      rejected: Object.fromEntries(this.rejected),
      dropped: Object.fromEntries(this.dropped),
    };
  }
}
