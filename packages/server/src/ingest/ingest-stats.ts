import type { RejectReason } from '@fluoro/model';

/**
 * Why ingest rejected something: a bad document's reason, or `unauthenticated`, an ingest request
 * refused for want of the auth token (`--ingest-auth`; counted per request, as its documents
 * were never read).
 */
export type IngestRejectReason =
  | RejectReason
  | 'bad_header'
  | 'missing_body'
  | 'oversize_datagram'
  | 'unauthenticated';

/**
 * Why ingest dropped something that was not a bad document: the queue was full, the store was
 * still failing at shutdown, or the store refused the document itself while taking its
 * neighbours (`store_rejected`: a value validation let through that the store cannot hold).
 */
export type DropReason = 'queue_full' | 'store_unavailable' | 'store_rejected';

/**
 * Ingest counters, exposed at GET /api/stats. Every document that reaches Fluoro ends up in
 * exactly one of: written, rejected (by reason), dropped (by reason), or still queued.
 */
export class IngestStats {
  received = 0;
  accepted = 0;
  written = 0;
  writeRetries = 0;
  readonly rejected = new Map<IngestRejectReason, number>();
  readonly dropped = new Map<DropReason, number>();
  private readonly logged = new Set<string>();

  reject(reason: Exclude<IngestRejectReason, 'unauthenticated'>, message: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    this.logOnce(`rejected:${reason}`, `fluoro: rejected a document (${reason}): ${message}`);
  }

  /**
   * An ingest request refused without reading it: no auth token, or a wrong one. `what` names the
   * request and the failure, never a token.
   */
  refuse(what: string): void {
    this.rejected.set('unauthenticated', (this.rejected.get('unauthenticated') ?? 0) + 1);
    this.logOnce('rejected:unauthenticated', `fluoro: refused an ingest request (unauthenticated): ${what}`);
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
