import { type ContextEntity, recorder } from '../recorder.js';
import {
  AddSpan,
  type BullMQSpan,
  JobContext,
  JobSpan,
  JobUpkeepSpan,
  NOOP_SPAN,
  runningJobs,
  settledJobs,
  UnsampledAddSpan,
} from './bullmq-spans.js';

export type { BullMQSpan } from './bullmq-spans.js';

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

function entityOf(context: unknown): ContextEntity | undefined {
  if (context instanceof JobContext) return context.entity;
  return (context ?? undefined) as ContextEntity | undefined;
}
