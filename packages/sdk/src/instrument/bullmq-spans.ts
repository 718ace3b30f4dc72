import type { Segment, Subsegment, UnsampledEntity } from '../entity.js';
import { type ContextEntity, recorder } from '../recorder.js';
import { formatXRayHeader, parseXRayHeader } from '../trace-header.js';

/**
 * The spans `bullmqTracing()` (bullmq.ts) hands BullMQ: adding a job in a sampled or unsampled
 * trace, one attempt at a job, and BullMQ's own upkeep inside a job. Each turns BullMQ's calls
 * (`setAttributes`, `addEvent`, `end`) into Fluoro's subsegments and segments.
 */

// BullMQ's attribute names (its `TelemetryAttributes` enum).
const QUEUE_NAME = 'bullmq.queue.name';
const OPERATION = 'bullmq.queue.operation';
const JOB_NAME = 'bullmq.job.name';
const JOB_ID = 'bullmq.job.id';
const ATTEMPTS_MADE = 'bullmq.job.attempts.made';
const BULK_NAMES = 'bullmq.job.bulk.names';
const BULK_COUNT = 'bullmq.job.bulk.count';
const FAILED_REASON = 'bullmq.job.failed.reason';

/** Distinct job names recorded for one `addBulk`. */
const MAX_BULK_NAMES = 20;

type Attributes = Record<string, unknown>;

/**
 * What BullMQ holds as a "context": the entity code runs in and the trace header a job added
 * there carries. `active()` hands out the bare entity (or undefined), so code outside a trace
 * allocates nothing; only contexts made by a span or read from a job are wrapped.
 */
export class JobContext {
  constructor(
    readonly entity: ContextEntity | undefined,
    readonly header: string | undefined,
  ) {}
}

/** The span BullMQ is given for everything left untraced (outside a trace, its own upkeep). */
export const NOOP_SPAN: BullMQSpan = {
  setSpanOnContext: (context) => context,
  setAttribute() {},
  setAttributes() {},
  addEvent() {},
  recordException() {},
  end() {},
};

/** A span as BullMQ uses it (its `Span` interface, structurally). */
export interface BullMQSpan {
  setSpanOnContext(context: unknown): unknown;
  setAttribute(key: string, value: unknown): void;
  setAttributes(attributes: Attributes): void;
  addEvent(name: string, attributes?: Attributes): void;
  recordException(exception: unknown, time?: unknown): void;
  end(): void;
}

/** The segments of jobs being processed, and of those whose processor has settled. */
export const runningJobs = new WeakSet<ContextEntity>();
export const settledJobs = new WeakSet<ContextEntity>();

/**
 * Adding jobs inside a sampled trace: the remote subsegment is made once BullMQ names the
 * queue and the operation (the first `setAttributes`, before it asks for the context), so it
 * can be named after the queue; a flow as a whole (`addFlow`) adds nothing of its own, its
 * jobs (`addNode`) do.
 */
export class AddSpan implements BullMQSpan {
  private sub: Subsegment | undefined;
  private transparent = false;

  constructor(private readonly parent: Segment | Subsegment) {}

  setSpanOnContext(context: unknown): unknown {
    if (this.transparent) return context;
    const sub = this.subsegment('bullmq');
    return new JobContext(sub, formatXRayHeader(sub.traceId, sub.id, true));
  }

  setAttribute(key: string, value: unknown): void {
    this.setAttributes({ [key]: value });
  }

  setAttributes(attributes: Attributes): void {
    try {
      const operation = attributes[OPERATION];
      if (this.sub === undefined && (operation === 'addFlow' || operation === 'addBulkFlows')) {
        this.transparent = true;
      }
      if (this.transparent) return;
      const queue = attributes[QUEUE_NAME];
      const sub = this.subsegment(typeof queue === 'string' && queue !== '' ? queue : 'bullmq');
      const meta = bullmqMetadata(sub);
      if (typeof queue === 'string') meta['queue'] = queue;
      if (typeof operation === 'string') meta['operation'] = operation;
      const jobName = attributes[JOB_NAME];
      if (typeof jobName === 'string') meta['job_name'] = jobName;
      const jobId = attributes[JOB_ID];
      if (typeof jobId === 'string' || typeof jobId === 'number') meta['job_id'] = String(jobId);
      const count = attributes[BULK_COUNT];
      if (typeof count === 'number') meta['count'] = count;
      const names = attributes[BULK_NAMES];
      if (Array.isArray(names)) meta['job_names'] = [...new Set(names)].slice(0, MAX_BULK_NAMES);
    } catch (err) {
      recorder.drop('bullmq_instrumentation_error', `bullmq: ${(err as Error).message}`);
    }
  }

  addEvent(): void {}

  recordException(exception: unknown): void {
    if (!this.transparent) this.subsegment('bullmq').addError(exception, true);
  }

  end(): void {
    this.sub?.close();
  }

  private subsegment(name: string): Subsegment {
    // BullMQ names the queue in the same tick it starts the span: the start time is the same.
    if (this.sub === undefined) this.sub = this.parent.addSubsegment(name, 'remote');
    return this.sub;
  }
}

/** Adding jobs inside an unsampled trace: the job carries the decision, nothing is recorded. */
export class UnsampledAddSpan implements BullMQSpan {
  constructor(private readonly parent: ContextEntity) {}
  setSpanOnContext(): unknown {
    return new JobContext(this.parent, formatXRayHeader(this.parent.traceId, undefined, false));
  }
  setAttribute(): void {}
  setAttributes(): void {}
  addEvent(): void {}
  recordException(): void {}
  end(): void {}
}

/** One attempt at a job: a segment of its own, joined to the trace the job carries. */
export class JobSpan implements BullMQSpan {
  private readonly segment: Segment | UnsampledEntity;

  constructor(name: string | undefined, context: unknown) {
    // BullMQ passes the job's carried context, or nothing: a job without one starts a trace.
    const header = context instanceof JobContext ? context.header : undefined;
    this.segment = recorder.beginSegment({ traceContext: parseXRayHeader(header) }, name);
    runningJobs.add(this.segment);
  }

  setSpanOnContext(): unknown {
    // The bare segment: a retry BullMQ schedules from inside the attempt gets no header from
    // it (`getMetadata` gives ''), so the job keeps the one it was added with.
    return this.segment;
  }

  setAttribute(key: string, value: unknown): void {
    this.setAttributes({ [key]: value });
  }

  setAttributes(attributes: Attributes): void {
    const segment = this.segment;
    if (!segment.sampled) return;
    const queue = attributes[QUEUE_NAME];
    if (typeof queue === 'string') segment.addAnnotation('queue', queue);
    const jobName = attributes[JOB_NAME];
    if (typeof jobName === 'string') segment.addAnnotation('job_name', jobName);
    const jobId = attributes[JOB_ID];
    if (typeof jobId === 'string' || typeof jobId === 'number')
      segment.addAnnotation('job_id', String(jobId));
    // Set once the attempt is over: the attempts made, this one included.
    const attempts = attributes[ATTEMPTS_MADE];
    if (typeof attempts === 'number') segment.addAnnotation('attempt', attempts);
  }

  addEvent(name: string, attributes?: Attributes): void {
    // BullMQ reports a failed processor as an event with the error's message.
    const reason = attributes?.[FAILED_REASON];
    if (name !== 'job failed') return;
    if (this.segment.sampled) this.segment.addError(failure(reason));
    // An unsampled attempt records nothing, but its failure counts for adaptive sampling.
    else (this.segment as UnsampledEntity).countAnomaly();
  }

  recordException(exception: unknown): void {
    // BullMQ could not record the outcome (a Redis error while completing or failing the job).
    if (this.segment.sampled)
      this.segment.addError(exception instanceof Error ? exception : failure(exception));
  }

  end(): void {
    this.segment.close();
  }
}

/**
 * BullMQ's own work inside a job's context: moving the job to completed or failed means its
 * processor has settled.
 */
export class JobUpkeepSpan implements BullMQSpan {
  constructor(private readonly job: ContextEntity) {}
  setSpanOnContext(context: unknown): unknown {
    return context;
  }
  setAttribute(key: string, value: unknown): void {
    this.setAttributes({ [key]: value });
  }
  setAttributes(attributes: Attributes): void {
    const operation = attributes[OPERATION];
    if (operation === 'complete' || operation === 'fail' || operation === 'retry' || operation === 'delay')
      settledJobs.add(this.job);
  }
  addEvent(): void {}
  recordException(): void {}
  end(): void {}
}

/** An error standing for one BullMQ reports only by its message (no type or stack to give). */
function failure(message: unknown): Error {
  const error = new Error(typeof message === 'string' ? message : String(message));
  error.stack = '';
  return error;
}

function bullmqMetadata(sub: Subsegment): Record<string, unknown> {
  if (sub.metadata === undefined) sub.metadata = {};
  let meta = sub.metadata['bullmq'];
  if (meta === undefined) {
    meta = {};
    sub.metadata['bullmq'] = meta;
  }
  return meta;
}
