import { AsyncLocalStorage } from 'node:async_hooks';
import { type RecorderOptions, type ResolvedConfig, resolveConfig } from './config.js';
import { type Emitter, MAX_DOCUMENT_BYTES, UdpEmitter } from './emitter.js';
import { type EntitySink, Segment, type Subsegment, UnsampledEntity } from './entity.js';
import { newTraceId } from './ids.js';
import { DropCounter } from './logger.js';
import { CentralizedSampler } from './sampling/centralized-sampler.js';
import { LocalSampler } from './sampling/local-sampler.js';
import type { AnomalyCounter, Sampler, SamplingDecision, SamplingRequest } from './sampling/sampler.js';
import { serializeEntity } from './serialize.js';
import type { TraceContext } from './trace-header.js';

/** The current segment or subsegment (sampled), or an unsampled placeholder. */
export type ContextEntity = Segment | Subsegment | UnsampledEntity;

/** Hooks run on `configure()` (outgoing instrumentation registers itself here). */
type ConfigureHook = (config: ResolvedConfig) => void;

const SDK_VERSION = '0.1.0';

/** Options for starting a segment by hand (a job, a message, a CLI command). */
export interface BeginSegmentOptions {
  /** Segment name; default the configured name. */
  name?: string;
  /** Upstream trace context (e.g. from a message's `X-Amzn-Trace-Id`). */
  traceContext?: TraceContext | undefined;
  /** Attributes for sampling rules when there is no upstream decision. */
  sampling?: Omit<SamplingRequest, 'serviceName'>;
}

/**
 * Holds configuration, the trace context (AsyncLocalStorage), the sampler and the emitter.
 * One instance (`recorder`) serves the whole process; `configure()` may be called again.
 */
export class Recorder implements EntitySink {
  readonly storage = new AsyncLocalStorage<ContextEntity>();
  config: ResolvedConfig = resolveConfig({});
  private emitter: Emitter | undefined;
  private sampler: Sampler | undefined;
  private samplerStarted = false;
  readonly drops = new DropCounter(() => this.config.logger);
  private readonly hooks: ConfigureHook[] = [];
  private extras = '';
  /** `extras` with `aws.xray.rule_name` set, by rule name (rules are few). */
  private extrasByRule = new Map<string, string>();
  private contextMissingLogged = false;

  constructor() {
    this.applyExtras();
  }

  /** Applies options (see `RecorderOptions`); replaces the emitter and sampler. Never throws. */
  configure(options: RecorderOptions = {}): void {
    const old = this.emitter;
    this.emitter = undefined;
    if (old) void old.close();
    this.sampler?.stop?.();
    this.sampler = undefined;
    this.samplerStarted = false;
    this.contextMissingLogged = false;
    this.config = resolveConfig(options);
    this.applyExtras();
    for (const hook of this.hooks) hook(this.config);
  }

  /** Registers a function run on every later `configure()`. */
  onConfigure(hook: ConfigureHook): void {
    this.hooks.push(hook);
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** The entity code is running in, if any. */
  current(): ContextEntity | undefined {
    return this.storage.getStore();
  }

  /**
   * Like `current()`, but applies the context-missing strategy when there is none:
   * LOG_ERROR logs (once), IGNORE is silent, RUNTIME_ERROR throws.
   */
  currentOrMissing(what: string): ContextEntity | undefined {
    const entity = this.storage.getStore();
    if (entity === undefined && this.config.enabled) this.contextMissing(what);
    return entity;
  }

  contextMissing(what: string): void {
    const strategy = this.config.contextMissing;
    if (strategy === 'IGNORE') return;
    const message = `${what}: no segment in context (is the middleware installed, or the code outside a request?)`;
    if (strategy === 'RUNTIME_ERROR') throw new Error(`[fluoro] ${message}`);
    if (!this.contextMissingLogged) {
      this.contextMissingLogged = true;
      this.config.logger.error(`${message}; logged once`);
    }
  }

  /** Runs `fn` with `entity` as the current context. */
  run<T>(entity: ContextEntity, fn: () => T): T {
    return this.storage.run(entity, fn);
  }

  /** Starts a segment (sampled or not) following the upstream decision or the sampler. */
  beginSegment(options: BeginSegmentOptions = {}, name = options.name): Segment | UnsampledEntity {
    if (this.config.nameFromEnv || name === undefined) name = this.config.name;
    const upstream = options.traceContext;
    let sampled = upstream?.sampled;
    let ruleName: string | undefined;
    let counter: AnomalyCounter | undefined;
    if (sampled === undefined) {
      // Built field by field: an object spread here cost more than the rest of an unsampled request.
      const s = options.sampling;
      const decision = this.decide({
        serviceName: name,
        host: s?.host,
        method: s?.method,
        path: s?.path,
        serviceType: s?.serviceType,
      });
      sampled = decision.sampled;
      ruleName = decision.ruleName;
      counter = decision.counter;
    } else if (upstream?.samplingRule !== undefined) {
      // The caller named the rule that decided at the root: this service's anomalies count for
      // it (adaptive sampling), as ADOT's SDKs count them.
      counter = this.continuedTrace(upstream.samplingRule);
    }
    // The rule passed on downstream: the one that decided here, else the one the caller named.
    const samplingRule = ruleName ?? upstream?.samplingRule;
    if (!sampled) return new UnsampledEntity(upstream?.traceId, undefined, counter, samplingRule);
    const traceId = upstream?.traceId ?? newTraceId();
    const extras = ruleName === undefined ? this.extras : this.extrasForRule(ruleName);
    const segment = new Segment({ name, traceId, parentId: upstream?.parentId, sink: this, extras });
    if (counter !== undefined) segment.counter = counter;
    if (samplingRule !== undefined) segment.samplingRule = samplingRule;
    return segment;
  }

  private continuedTrace(ruleName: string): AnomalyCounter | undefined {
    try {
      return this.getSampler().continuedTrace?.(ruleName);
    } catch (err) {
      this.drops.drop('sampler_error', (err as Error).message);
      return undefined;
    }
  }

  private decide(request: SamplingRequest): SamplingDecision {
    try {
      return this.getSampler().shouldSample(request);
    } catch (err) {
      this.drops.drop('sampler_error', (err as Error).message);
      return { sampled: false };
    }
  }

  private getSampler(): Sampler {
    if (!this.sampler) {
      const { sampling, daemon, logger } = this.config;
      const local = new LocalSampler(sampling.rules);
      this.sampler =
        sampling.sampler ??
        (sampling.centralized === false
          ? local
          : new CentralizedSampler({
              host: daemon.tcpHost,
              port: daemon.tcpPort,
              fallback: local,
              logger,
              serviceName: this.config.name,
            }));
    }
    if (!this.samplerStarted) {
      this.samplerStarted = true;
      const sampler = this.sampler;
      // Outside any trace so the pollers' timers and requests never join a request's trace.
      this.storage.exit(() => sampler.start?.());
    }
    return this.sampler;
  }

  /** The sampler in use (created on first use). */
  samplerInUse(): Sampler {
    return this.getSampler();
  }

  emitSegment(segment: Segment): void {
    this.emit(segment);
  }

  emitSubsegment(subsegment: Subsegment): void {
    this.emit(subsegment);
  }

  drop(reason: string, detail: string): void {
    this.drops.drop(reason, detail);
  }

  private emit(entity: Segment | Subsegment): void {
    if (!this.config.enabled) return;
    try {
      const { documents, drops } = serializeEntity(entity, MAX_DOCUMENT_BYTES);
      for (const d of drops) this.drops.drop(d.reason, d.detail);
      const emitter = this.getEmitter();
      for (const doc of documents) emitter.send(doc);
    } catch (err) {
      this.drops.drop('emit_error', `${entity.name}: ${(err as Error).message}`);
    }
  }

  private getEmitter(): Emitter {
    if (!this.emitter) {
      const { udpHost, udpPort } = this.config.daemon;
      this.emitter = new UdpEmitter(udpHost, udpPort, this.drops);
    }
    return this.emitter;
  }

  /** Resolves once every finished segment has been handed to the OS. Safe to call twice. */
  flush(): Promise<void> {
    return this.emitter ? this.emitter.flush() : Promise.resolve();
  }

  /** Flushes, stops sampling pollers and releases the socket. Safe to call twice. */
  async shutdown(): Promise<void> {
    this.sampler?.stop?.();
    const emitter = this.emitter;
    this.emitter = undefined;
    if (emitter) await emitter.close();
  }

  /** Counters: datagrams sent and items dropped by reason. */
  stats(): { sent: number; dropped: Record<string, number> } {
    return { sent: this.emitter?.sentCount ?? 0, dropped: this.drops.snapshot() };
  }

  /** Segments sampled by a centralized rule record it as `aws.xray.rule_name`, as X-Ray's SDKs do. */
  private extrasForRule(ruleName: string): string {
    let extras = this.extrasByRule.get(ruleName);
    if (extras === undefined) {
      extras = JSON.stringify(this.extrasObject(ruleName)).slice(1, -1);
      this.extrasByRule.set(ruleName, extras);
    }
    return extras;
  }

  private extrasObject(ruleName?: string): Record<string, unknown> {
    const service: Record<string, string> = { runtime: 'node', runtime_version: process.version };
    if (this.config.serviceVersion) service['version'] = this.config.serviceVersion;
    const xray: Record<string, string> = { sdk: 'fluoro', sdk_version: SDK_VERSION };
    if (ruleName !== undefined) xray['rule_name'] = ruleName;
    const extras: Record<string, unknown> = { service, aws: { xray } };
    if (this.config.origin) extras['origin'] = this.config.origin;
    return extras;
  }

  private applyExtras(): void {
    this.extrasByRule = new Map();
    // Serialised once: every segment document carries the same members.
    this.extras = JSON.stringify(this.extrasObject()).slice(1, -1);
  }
}

/** The process-wide recorder used by every exported function. */
export const recorder = new Recorder();
