import { type CauseDocument, toCause } from './cause.js';
import { formatSeconds, nowSeconds } from './clock.js';
import { newEntityId, newTraceId } from './ids.js';
import { httpJson, quote, quoteName } from './json.js';
import { capString, MAX_ANNOTATIONS, sanitizeAnnotationKey, sanitizeName } from './limits.js';
import type { AnomalyCounter } from './sampling/sampler.js';

/**
 * Finished children per parent held before they are streamed out on their own (X-Ray's Node
 * SDK streams past 100 subsegments per segment).
 */
export const STREAMING_THRESHOLD = 100;

/** Values X-Ray indexes as annotations. */
export type AnnotationValue = string | number | boolean;

/** The `http` block of a segment or subsegment. */
export interface HttpData {
  request?: {
    method?: string;
    url?: string;
    user_agent?: string;
    client_ip?: string;
    x_forwarded_for?: boolean;
    traced?: boolean;
  };
  response?: { status?: number; content_length?: number };
}

/** The `sql` block of a subsegment for a database call (X-Ray's field names). */
export interface SqlData {
  /** The database's address without credentials, e.g. `postgresql://db:5432/orders`. */
  url?: string;
  /** The query text; recorded only when asked for (it may hold values). */
  sanitized_query?: string;
  database_type?: string;
  database_version?: string;
  driver_version?: string;
  user?: string;
  /** `statement` for a prepared (named) statement, `call` otherwise. */
  preparation?: 'call' | 'statement';
}

/** Where finished entities go, and where drops are counted (implemented by the recorder). */
export interface EntitySink {
  emitSegment(segment: Segment): void;
  emitSubsegment(subsegment: Subsegment): void;
  /** Counts a dropped item by reason and logs the first occurrence of each reason. */
  drop(reason: string, detail: string): void;
}

/**
 * What user code can do with the current segment or subsegment. Every method is safe to call on
 * an unsampled or already-closed entity (it does nothing) and never throws.
 */
export interface TraceEntity {
  readonly id: string;
  readonly traceId: string;
  /** False for unsampled requests: nothing will be recorded or sent. */
  readonly sampled: boolean;
  /** Adds an indexed annotation; the key is sanitised to `[A-Za-z0-9_]`. */
  addAnnotation(key: string, value: AnnotationValue): this;
  /** Adds unindexed metadata under a namespace (default `"default"`; `AWS.` is reserved). */
  addMetadata(key: string, value: unknown, namespace?: string): this;
  /** Records an error as a fault with a `cause` built from the V8 stack. */
  addError(error: unknown, remote?: boolean): this;
  setError(): this;
  setFault(): this;
  setThrottle(): this;
  /** Ends the entity (at most once); an error given here is recorded first. */
  close(error?: unknown): void;
}

/** Shared state and behaviour of segments and subsegments. */
export abstract class Entity implements TraceEntity {
  readonly id: string = newEntityId();
  readonly name: string;
  readonly startTime: number = nowSeconds();
  // Optional state is `declare`d (not initialised) so creating an entity only sets what it needs.
  declare endTime: number | undefined;
  declare http: HttpData | undefined;
  declare annotations: Record<string, AnnotationValue> | undefined;
  declare metadata: Record<string, Record<string, unknown>> | undefined;
  declare error: boolean | undefined;
  declare fault: boolean | undefined;
  declare throttle: boolean | undefined;
  declare cause: CauseDocument | undefined;
  declare children: Subsegment[] | undefined;
  /** Children closed since this entity last streamed them (see `STREAMING_THRESHOLD`). */
  declare closedChildren: number | undefined;
  /** Set when an enclosing document was sent while this entity was still open. */
  declare detached: boolean | undefined;
  /** Set once this entity has been part of a sent document. */
  declare emitted: boolean | undefined;
  abstract readonly segment: Segment;
  abstract readonly traceId: string;
  /** Always true: unsampled requests use `UnsampledEntity`. */
  get sampled(): boolean {
    return true;
  }

  constructor(name: string) {
    this.name = sanitizeName(name);
  }

  get closed(): boolean {
    return this.endTime !== undefined;
  }

  /** Starts a child subsegment (namespace `local` unless set). */
  addSubsegment(name: string, namespace?: 'remote' | 'aws' | 'local'): Subsegment {
    const sub = new Subsegment(name, this, namespace);
    // Work started under an entity that was already sent goes out on its own when it closes.
    if (this.emitted) sub.detached = true;
    if (this.children === undefined) this.children = [sub];
    else this.children.push(sub);
    return sub;
  }

  addAnnotation(key: string, value: AnnotationValue): this {
    const type = typeof value;
    if (!(type === 'string' || type === 'boolean' || (type === 'number' && Number.isFinite(value)))) {
      this.segment.sink.drop('annotation_invalid_value', `annotation ${key}: ${String(value)}`);
      return this;
    }
    const clean = sanitizeAnnotationKey(String(key));
    if (clean.length === 0) {
      this.segment.sink.drop('annotation_invalid_key', 'empty annotation key');
      return this;
    }
    if (this.annotations === undefined) this.annotations = {};
    if (!(clean in this.annotations)) {
      if (this.segment.annotationCount >= MAX_ANNOTATIONS) {
        this.segment.sink.drop('annotation_limit', `more than ${MAX_ANNOTATIONS} annotations in a trace`);
        return this;
      }
      this.segment.annotationCount++;
    }
    this.annotations[clean] = type === 'string' ? capString(value as string) : value;
    return this;
  }

  addMetadata(key: string, value: unknown, namespace = 'default'): this {
    if (namespace.startsWith('AWS.')) {
      this.segment.sink.drop('metadata_reserved_namespace', `metadata namespace ${namespace} is reserved`);
      return this;
    }
    if (this.metadata === undefined) this.metadata = {};
    const ns = this.metadata[namespace] ?? {};
    this.metadata[namespace] = ns;
    ns[key] = value;
    return this;
  }

  addError(error: unknown, remote = false): this {
    this.fault = true;
    this.cause = toCause(error, remote);
    return this;
  }

  setError(): this {
    this.error = true;
    return this;
  }

  setFault(): this {
    this.fault = true;
    return this;
  }

  setThrottle(): this {
    this.throttle = true;
    return this;
  }

  /** Applies X-Ray's status mapping: 4xx error, 429 also throttle, 5xx fault. */
  setStatus(status: number): void {
    if (status >= 500 && status < 600) this.fault = true;
    else if (status >= 400 && status < 500) {
      this.error = true;
      if (status === 429) this.throttle = true;
    }
  }

  abstract close(error?: unknown): void;

  /**
   * Sends the closed children now, each as an independent subsegment, and forgets them: a
   * long-running segment (a batch job, a stream) then holds at most `STREAMING_THRESHOLD`
   * finished children per parent in memory, as X-Ray's SDKs do.
   */
  streamClosedChildren(): void {
    this.closedChildren = 0;
    const children = this.children;
    if (children === undefined) return;
    let open: Subsegment[] | undefined;
    for (const child of children) {
      if (child.endTime === undefined) {
        if (open === undefined) open = [];
        open.push(child);
      } else if (!child.emitted) this.segment.sink.emitSubsegment(child);
    }
    this.children = open;
  }

  /**
   * The fields common to both document kinds as JSON object members (no braces, no children).
   * Built by hand: this runs once per entity on the hot path. `omit` names optional fields left
   * out to fit the size limit; a `metadata` value that is not JSON makes this throw.
   */
  protected baseJson(omit: ReadonlySet<string> | undefined): string {
    let s = `"id":"${this.id}","name":${quoteName(this.name)},"start_time":${formatSeconds(this.startTime)}`;
    s += this.endTime !== undefined ? `,"end_time":${formatSeconds(this.endTime)}` : ',"in_progress":true';
    if (this.http && !omit?.has('http')) s += `,"http":${httpJson(this.http)}`;
    if (this.error) s += ',"error":true';
    if (this.fault) s += ',"fault":true';
    if (this.throttle) s += ',"throttle":true';
    if (this.cause && !omit?.has('cause')) s += `,"cause":${JSON.stringify(this.cause)}`;
    if (this.annotations && !omit?.has('annotations'))
      s += `,"annotations":${JSON.stringify(this.annotations)}`;
    if (this.metadata && !omit?.has('metadata')) s += `,"metadata":${JSON.stringify(this.metadata)}`;
    return s;
  }

  /**
   * The entity's own document as JSON without `subsegments` and without the closing brace, so
   * children can be appended without re-slicing. `independent` adds the fields a subsegment
   * needs when sent on its own (`type`, `trace_id`, `parent_id`).
   */
  abstract openJson(omit?: ReadonlySet<string>, independent?: boolean): string;
}

/** Options for a new segment. */
export interface SegmentInit {
  name: string;
  traceId: string;
  parentId?: string | undefined;
  sink: EntitySink;
  /** Static fields as JSON members (`"service":{…},"aws":{…}`), appended to the document. */
  extras?: string | undefined;
}

/** A segment: the work one service did for one request or job. */
export class Segment extends Entity {
  readonly traceId: string;
  readonly parentId: string | undefined;
  readonly sink: EntitySink;
  declare user: string | undefined;
  /** The anomaly counts of the centralized rule that sampled this segment (adaptive sampling). */
  declare counter: AnomalyCounter | undefined;
  /** The centralized rule that decided this trace, here or upstream; sent on in `tracestate`. */
  declare samplingRule: string | undefined;
  annotationCount = 0;
  private readonly extras: string;

  constructor(init: SegmentInit) {
    super(init.name);
    this.traceId = init.traceId;
    this.parentId = init.parentId;
    this.sink = init.sink;
    this.extras = init.extras ?? '';
  }

  get segment(): Segment {
    return this;
  }

  /** Sets the user who made the request (indexed, filterable with `user = "…"`). */
  setUser(user: string): this {
    this.user = capString(String(user));
    return this;
  }

  close(error?: unknown): void {
    if (this.endTime !== undefined) return;
    if (error !== undefined) this.addError(error);
    this.endTime = nowSeconds();
    if (this.counter !== undefined && isAnomaly(this.http?.response?.status, this.fault === true)) {
      this.counter.anomalies++;
      this.counter.sampledAnomalies++;
    }
    this.sink.emitSegment(this);
  }

  openJson(omit?: ReadonlySet<string>): string {
    let s = `{${this.baseJson(omit)},"trace_id":"${this.traceId}"`;
    if (this.parentId) s += `,"parent_id":"${this.parentId}"`;
    if (this.user !== undefined) s += `,"user":${quote(this.user)}`;
    if (this.extras) s += `,${this.extras}`;
    return s;
  }
}

/**
 * Whether a request or job that ended this way is an anomaly for adaptive sampling, as ADOT's
 * SDKs decide by default: a 5xx status, or, with no status, a failure (a thrown error, a fault).
 * A 4xx, 429 included, is the client's doing and boosts nothing.
 */
export function isAnomaly(status: number | undefined, failed: boolean): boolean {
  return status !== undefined ? status >= 500 : failed;
}

/** A subsegment: a unit of work inside a segment (a function, a downstream call). */
export class Subsegment extends Entity {
  readonly parent: Entity;
  readonly segment: Segment;
  readonly namespace: 'remote' | 'aws' | 'local' | undefined;
  declare traced: boolean | undefined;
  declare sql: SqlData | undefined;
  /** X-Ray's `aws` block of a call to an AWS service: operation, region, request id, resource. */
  declare aws: Record<string, string | number> | undefined;

  constructor(name: string, parent: Entity, namespace?: 'remote' | 'aws' | 'local') {
    super(name);
    this.parent = parent;
    this.segment = parent.segment;
    this.namespace = namespace;
  }

  get traceId(): string {
    return this.segment.traceId;
  }

  close(error?: unknown): void {
    if (this.endTime !== undefined) return;
    if (error !== undefined) this.addError(error);
    this.endTime = nowSeconds();
    if (this.detached) {
      this.segment.sink.emitSubsegment(this);
      return;
    }
    const parent = this.parent;
    const closed = (parent.closedChildren ?? 0) + 1;
    parent.closedChildren = closed;
    if (closed >= STREAMING_THRESHOLD && !parent.emitted) parent.streamClosedChildren();
  }

  openJson(omit?: ReadonlySet<string>, independent = false): string {
    let s = `{${this.baseJson(omit)}`;
    if (this.namespace) s += `,"namespace":"${this.namespace}"`;
    if (this.traced) s += ',"traced":true';
    if (this.sql && !omit?.has('sql')) s += `,"sql":${JSON.stringify(this.sql)}`;
    if (this.aws) s += `,"aws":${JSON.stringify(this.aws)}`;
    if (independent) s += `,"type":"subsegment","trace_id":"${this.traceId}","parent_id":"${this.parent.id}"`;
    return s;
  }
}

/**
 * The entity of an unsampled request: it keeps the trace id and decision for propagation and
 * ignores everything else, so unsampled requests cost almost nothing.
 */
export class UnsampledEntity implements TraceEntity {
  readonly sampled = false;
  /**
   * Ids are made on first use: most unsampled requests call nothing downstream and send no
   * response header, so they never need one.
   */
  constructor(
    private trace?: string,
    private entity?: string,
    /** The anomaly counts of the centralized rule that decided not to sample (adaptive sampling). */
    private readonly counter?: AnomalyCounter,
    /** The centralized rule that decided, here or upstream; sent on in `tracestate`. */
    readonly samplingRule?: string,
  ) {}
  /** Counts the request as an anomaly (see `isAnomaly`) for its sampling rule. */
  countAnomaly(): void {
    if (this.counter !== undefined) this.counter.anomalies++;
  }
  /** Whether the rule that decided can be boosted, so the request's outcome should be counted. */
  get watchesAnomalies(): boolean {
    return this.counter?.boostable === true;
  }
  get traceId(): string {
    if (this.trace === undefined) this.trace = newTraceId();
    return this.trace;
  }
  get id(): string {
    if (this.entity === undefined) this.entity = newEntityId();
    return this.entity;
  }
  addAnnotation(): this {
    return this;
  }
  addMetadata(): this {
    return this;
  }
  addError(): this {
    return this;
  }
  setError(): this {
    return this;
  }
  setFault(): this {
    return this;
  }
  setThrottle(): this {
    return this;
  }
  /**
   * Records nothing; a job that ends with an error (`traceSegment`'s failure path) counts as an
   * anomaly of the rule that decided. An unsampled HTTP request is counted by its status instead.
   */
  close(error?: unknown): void {
    if (error !== undefined) this.countAnomaly();
  }
}

/** The handle given to code that runs with no trace context (or with the SDK disabled). */
export const NOOP_ENTITY: TraceEntity = new UnsampledEntity('', '');
