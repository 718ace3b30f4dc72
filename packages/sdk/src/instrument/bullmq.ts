import type { Segment, Subsegment, UnsampledEntity } from '../entity.js';
import { type ContextEntity, recorder } from '../recorder.js';
import { formatXRayHeader, parseXRayHeader } from '../trace-header.js';

/** Options for `bullmqTracing`. */
export interface BullMQTracingOptions {
  /**
   * Name of the segment each processed job becomes. Default: the configured service name
   * (`configure({ name })` or `AWS_XRAY_TRACING_NAME`), so a worker shows as its service.
   */
  name?: string;
}

/** BullMQ's span kinds (its `SpanKind` enum), kept here so the SDK does not depend on BullMQ. */
const PRODUCER = 3;
const CONSUMER = 4;

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
class JobContext {
  constructor(
    readonly entity: ContextEntity | undefined,
    readonly header: string | undefined,
  ) {}
}

/** The span BullMQ is given for everything left untraced (outside a trace, its own upkeep). */
const NOOP_SPAN: BullMQSpan = {
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

/**
 * The object `bullmqTracing()` returns: BullMQ's `Telemetry` interface (a tracer and a context
 * manager), typed structurally so the SDK does not depend on BullMQ.
 */
export interface BullMQTelemetry {
  tracer: { startSpan(name: string, options?: { kind: number }, context?: unknown): BullMQSpan };
  contextManager: {
    // biome-ignore lint/suspicious/noExplicitAny: BullMQ's ContextManager declares `with` this way.
    with<A extends (...args: any[]) => any>(context: unknown, fn: A): ReturnType<A>;
    active(): unknown;
    root(): unknown;
    getMetadata(context: unknown): string;
    fromMetadata(activeContext: unknown, metadata: string): unknown;
  };
}

/**
 * Traces BullMQ jobs from the producer to the worker through BullMQ's own extension point:
 * pass `telemetry: bullmqTracing()` to each `Queue`, `Worker` and `FlowProducer` (tested with
 * BullMQ 6.7).
 *
 * - **Adding a job** (`add`, `addBulk`, a flow's jobs) inside a sampled trace records a
 *   `namespace: "remote"` subsegment named after the queue (one per `add`/`addBulk` call, one per
 *   flow node), with `metadata.bullmq` (`queue`, `operation`, `job_name`, `job_id`; for a bulk
 *   `count` and the distinct `job_names`). The job carries `Root=…;Parent=<that subsegment>;
 *   Sampled=1` in BullMQ's telemetry metadata (its options, never its `data`). Inside an
 *   unsampled trace the job carries `Root=…;Sampled=0` and nothing is recorded; outside a
 *   trace it carries nothing.
 * - **Processing a job** runs the processor in a new segment (named `options.name`, default
 *   the service name) that continues the carried trace and follows its sampling decision; a
 *   job with no trace header starts its own trace, sampled by the configured sampler. It is
 *   annotated with `queue`, `job_name`, `job_id` and `attempt`, and ends once BullMQ has moved
 *   the job to completed or failed. A failed attempt is a fault whose `cause` holds BullMQ's
 *   failure reason (the error's message: the interface hands over no error object); the error
 *   reaches BullMQ unchanged, so retries work, and each attempt is a segment of its own.
 * - BullMQ's own work (fetching jobs, renewing locks, stalled-job checks, moving finished
 *   jobs) records nothing. Each job's processor runs in its own context, whatever the
 *   worker's concurrency.
 *
 * Never throws into BullMQ: a failure inside is counted as `bullmq_instrumentation_error`.
 */
export function bullmqTracing(options: BullMQTracingOptions = {}): BullMQTelemetry {
  const segmentName = options.name;
  return {
    tracer: {
      startSpan(_name, spanOptions, context) {
        if (!recorder.enabled) return NOOP_SPAN;
        try {
          const kind = spanOptions?.kind;
          if (kind === CONSUMER) return new JobSpan(segmentName, context);
          if (kind !== PRODUCER) {
            const job = recorder.storage.getStore();
            return job !== undefined && runningJobs.has(job) ? new JobUpkeepSpan(job) : NOOP_SPAN;
          }
          // A job added from a job's carried context (a scheduler's next run) has no entity.
          const parent = context === undefined ? recorder.storage.getStore() : entityOf(context);
          // Once a job's processor has settled, jobs added in its context are BullMQ's own (a
          // scheduler's next run): carrying the trace on would chain every run into one trace.
          if (parent === undefined || settledJobs.has(parent)) return NOOP_SPAN;
          return parent.sampled && 'addSubsegment' in parent
            ? new AddSpan(parent)
            : new UnsampledAddSpan(parent);
        } catch (err) {
          recorder.drop('bullmq_instrumentation_error', `bullmq: ${(err as Error).message}`);
          return NOOP_SPAN;
        }
      },
    },
    contextManager: {
      with(context, fn) {
        const entity = entityOf(context);
        const store = recorder.storage;
        if (entity === store.getStore()) return fn();
        return entity === undefined ? store.exit(fn) : store.run(entity, fn);
      },
      active: () => recorder.storage.getStore(),
      // BullMQ runs long-lived loops (the stalled-jobs check) here: outside any trace.
      root: () => undefined,
      getMetadata: (context) => (context instanceof JobContext ? (context.header ?? '') : ''),
      fromMetadata: (_active, metadata) => new JobContext(undefined, metadata),
    },
  };
}

/** The segments of jobs being processed, and of those whose processor has settled. */
const runningJobs = new WeakSet<ContextEntity>();
const settledJobs = new WeakSet<ContextEntity>();

function entityOf(context: unknown): ContextEntity | undefined {
  if (context instanceof JobContext) return context.entity;
  return (context ?? undefined) as ContextEntity | undefined;
}

/**
 * Adding jobs inside a sampled trace: the remote subsegment is made once BullMQ names the
 * queue and the operation (the first `setAttributes`, before it asks for the context), so it
 * can be named after the queue; a flow as a whole (`addFlow`) adds nothing of its own, its
 * jobs (`addNode`) do.
 */
class AddSpan implements BullMQSpan {
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
class UnsampledAddSpan implements BullMQSpan {
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
class JobSpan implements BullMQSpan {
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
    if (name === 'job failed' && this.segment.sampled) this.segment.addError(failure(reason));
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
class JobUpkeepSpan implements BullMQSpan {
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
