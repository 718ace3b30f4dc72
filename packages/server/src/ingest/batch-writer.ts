import { type IngestedDocument, type Store, StoreUnavailableError } from '@fluoro/store';
import type { IngestStats } from './ingest-stats.js';

export interface BatchWriterOptions {
  /** Most documents held in memory waiting for the store; past it new documents are dropped and counted. Default 100,000. */
  maxQueued?: number;
  /** Documents per store write. Default 5,000. */
  batchSize?: number;
  /** How long a partial batch waits before it is written, in ms. Default 100. */
  flushIntervalMs?: number;
  /** First retry delay after a failed write, in ms; doubles up to `maxRetryDelayMs`. Default 100. */
  retryDelayMs?: number;
  /** Default 5,000. */
  maxRetryDelayMs?: number;
}

/**
 * Single-document writes that may fail, with nothing written yet, before a batch that failed
 * for another reason than StoreUnavailableError counts as a failing store rather than as one
 * holding documents the store refuses (see `isolate`).
 */
const MAX_FAILED_PROBES = 8;

/**
 * Takes accepted documents off the hot path: `offer` only queues (never blocks, never throws),
 * and one loop writes batches to the store. A failing store is retried with backoff while the
 * bounded queue keeps accepting; when it is full, new documents are dropped and counted. A
 * document the store itself refuses is found by halving its batch, dropped and counted
 * (`store_rejected`), and its neighbours are written: one bad value never stops ingest.
 */
export class BatchWriter {
  private queue: IngestedDocument[] = [];
  private readonly maxQueued: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly stats: IngestStats,
    options: BatchWriterOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 100_000;
    this.batchSize = options.batchSize ?? 5_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  }

  /** Queues a document; false when the queue is full (the document is counted as dropped). */
  offer(doc: IngestedDocument): boolean {
    if (this.queue.length >= this.maxQueued || this.closing) {
      this.stats.drop('queue_full', 1, `the write queue holds ${this.maxQueued} documents`);
      return false;
    }
    this.stats.accepted++;
    this.queue.push(doc);
    if (this.queue.length >= this.batchSize) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.flushIntervalMs);
    return true;
  }

  /** How many documents wait for the store. */
  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued so far is written (or the writer gave up on it at close). */
  async flush(): Promise<void> {
    if (this.queue.length === 0 && !this.running) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.kick();
    await idle;
  }

  /** Writes what is queued, retrying a failing store `closeRetries` times, then stops; safe to call twice. */
  async close(closeRetries = 3): Promise<void> {
    this.closing = true;
    this.closeRetries = closeRetries;
    await this.flush();
  }

  private closeRetries = Number.POSITIVE_INFINITY;

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.kick();
      else for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private async drain(): Promise<void> {
    let delay = this.retryDelayMs;
    let failures = 0;
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.batchSize);
      try {
        let keep: IngestedDocument[] = [];
        try {
          await this.store.write(batch);
          this.stats.written += batch.length;
        } catch (e) {
          // Unreachable or overloaded: retried whole. Anything else may be one document's value.
          const kept = e instanceof StoreUnavailableError ? undefined : await this.isolate(batch);
          if (!kept) throw e;
          keep = kept;
        }
        this.queue.splice(0, batch.length, ...keep);
        if (keep.length > 0)
          throw new Error('the store stopped taking documents while a refused one was sought');
        delay = this.retryDelayMs;
        failures = 0;
      } catch (e) {
        failures++;
        if (this.closing && failures > this.closeRetries) {
          this.stats.drop(
            'store_unavailable',
            this.queue.length,
            `store write failed at shutdown: ${(e as Error).message}`,
          );
          this.queue = [];
          return;
        }
        this.stats.writeRetries++;
        this.stats.warn('write-retry', `store write failed, retrying with backoff: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.maxRetryDelayMs);
      }
    }
  }

  /**
   * Writes `batch` in halves, recursively, to find the documents the store refuses on their
   * own (about 2·log2(n) writes per such document); they are dropped and counted, the rest
   * written. Returns the documents to keep queued: those a write could not take for a reason
   * that is not theirs (the store became unavailable, or MAX_FAILED_PROBES single documents
   * failed before any write succeeded, as when the store refuses everything). Returns undefined
   * when nothing was written, so the batch is retried whole with backoff.
   */
  private async isolate(batch: IngestedDocument[]): Promise<IngestedDocument[] | undefined> {
    let succeeded = false;
    let failedProbes = 0;
    const keep: IngestedDocument[] = [];
    const refused: { doc: IngestedDocument; error: unknown }[] = [];
    const write = async (part: IngestedDocument[]): Promise<void> => {
      if (failedProbes >= MAX_FAILED_PROBES) {
        keep.push(...part);
        return;
      }
      try {
        await this.store.write(part);
        succeeded = true;
        this.stats.written += part.length;
      } catch (error) {
        if (error instanceof StoreUnavailableError) keep.push(...part);
        else if (part.length === 1) {
          refused.push({ doc: part[0]!, error });
          if (!succeeded) failedProbes++;
        } else {
          const half = Math.ceil(part.length / 2);
          await write(part.slice(0, half));
          await write(part.slice(half));
        }
      }
    };
    await write(batch);
    if (!succeeded) return undefined;
    if (failedProbes >= MAX_FAILED_PROBES) {
      // The store refused everything at first: not these documents' fault, so none is dropped.
      keep.push(...refused.map((r) => r.doc));
      return keep;
    }
    for (const { error } of refused)
      this.stats.drop('store_rejected', 1, `the store refused a document: ${(error as Error).message}`);
    return keep;
  }
}
