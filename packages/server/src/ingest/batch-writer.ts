import type { IngestedDocument, Store } from '@fluoro/store';
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
 * Takes accepted documents off the hot path: `offer` only queues (never blocks, never throws),
 * and one loop writes batches to the store. A failing store is retried with backoff while the
 * bounded queue keeps accepting; when it is full, new documents are dropped and counted.
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
        await this.store.write(batch);
        this.queue.splice(0, batch.length);
        this.stats.written += batch.length;
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
}
