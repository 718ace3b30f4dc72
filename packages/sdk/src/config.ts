import { type DaemonAddress, DEFAULT_DAEMON_ADDRESS, parseDaemonAddress } from './daemon-address.js';
import { consoleLogger, type Logger } from './logger.js';
import type { LocalSamplingRules } from './sampling/local-sampler.js';
import type { Sampler } from './sampling/sampler.js';

/** What to do when code asks for the current segment and there is none. */
export type ContextMissingStrategy = 'LOG_ERROR' | 'IGNORE' | 'IGNORE_ERROR' | 'RUNTIME_ERROR';

/** Sampling configuration. */
export interface SamplingOptions {
  /** Local rules (X-Ray rules-file format). Default: 1 request/s, then 5 %. */
  rules?: LocalSamplingRules;
  /**
   * Poll centralized rules from the daemon's TCP address (`POST /GetSamplingRules`,
   * `POST /SamplingTargets`), falling back to `rules`. Default true, as in X-Ray's SDKs.
   */
  centralized?: boolean;
  /** A custom sampler; replaces both of the above. */
  sampler?: Sampler;
}

/**
 * Recorder options. Every field is optional; environment variables win over code, as in
 * X-Ray's SDKs: `AWS_XRAY_DAEMON_ADDRESS`, `AWS_XRAY_CONTEXT_MISSING`, `AWS_XRAY_TRACING_NAME`,
 * `AWS_XRAY_SDK_ENABLED`.
 */
export interface RecorderOptions {
  /** Default segment name for incoming requests and jobs. Default: `AWS_XRAY_TRACING_NAME` or `service`. */
  name?: string;
  /** `host:port` or `udp:host:port tcp:host:port`. Default `127.0.0.1:2000`. */
  daemonAddress?: string;
  /** Default `LOG_ERROR`. */
  contextMissing?: ContextMissingStrategy;
  /** False turns the SDK into pass-through no-ops. Default true. */
  enabled?: boolean;
  sampling?: SamplingOptions;
  /** Trace outgoing `http`/`https` requests and `fetch`. Default true. */
  instrumentOutgoing?: boolean;
  /**
   * Send W3C `traceparent` beside `X-Amzn-Trace-Id` on traced outgoing calls, so a service
   * instrumented with OpenTelemetry (whose default propagator reads only `traceparent`) joins
   * the same trace. Default true.
   */
  traceparent?: boolean;
  /** Diagnostics sink. Default: stderr. */
  logger?: Logger;
  /** Service version recorded in `service.version`. */
  serviceVersion?: string;
  /** Segment `origin`, e.g. `AWS::EC2::Instance`. */
  origin?: string;
}

/** Options after defaults and environment variables are applied. */
export interface ResolvedConfig {
  name: string;
  /** True when `AWS_XRAY_TRACING_NAME` fixed the name (it then wins over middleware options). */
  nameFromEnv: boolean;
  daemon: DaemonAddress;
  contextMissing: 'LOG_ERROR' | 'IGNORE' | 'RUNTIME_ERROR';
  enabled: boolean;
  sampling: SamplingOptions;
  instrumentOutgoing: boolean;
  traceparent: boolean;
  logger: Logger;
  serviceVersion: string | undefined;
  origin: string | undefined;
}

const DEFAULT_NAME = 'service';

/** Applies defaults, then environment overrides, to user options. Bad values are logged and ignored. */
export function resolveConfig(
  options: RecorderOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const logger = options.logger ?? consoleLogger;
  const envName = env['AWS_XRAY_TRACING_NAME'];
  const addressText = env['AWS_XRAY_DAEMON_ADDRESS'] || options.daemonAddress || DEFAULT_DAEMON_ADDRESS;
  let daemon = parseDaemonAddress(addressText);
  if (!daemon) {
    logger.error(`invalid daemon address "${addressText}"; using ${DEFAULT_DAEMON_ADDRESS}`);
    daemon = parseDaemonAddress(DEFAULT_DAEMON_ADDRESS)!;
  }
  const enabledEnv = env['AWS_XRAY_SDK_ENABLED']?.trim().toLowerCase();
  const enabled =
    enabledEnv === 'false' || enabledEnv === '0'
      ? false
      : enabledEnv === 'true'
        ? true
        : options.enabled !== false;
  return {
    name: envName || options.name || DEFAULT_NAME,
    nameFromEnv: Boolean(envName),
    daemon,
    contextMissing: toStrategy(env['AWS_XRAY_CONTEXT_MISSING'] || options.contextMissing, logger),
    enabled,
    sampling: options.sampling ?? {},
    instrumentOutgoing: options.instrumentOutgoing !== false,
    traceparent: options.traceparent !== false,
    logger,
    serviceVersion: options.serviceVersion,
    origin: options.origin,
  };
}

function toStrategy(value: string | undefined, logger: Logger): ResolvedConfig['contextMissing'] {
  if (value === undefined) return 'LOG_ERROR';
  switch (value.toUpperCase()) {
    case 'LOG_ERROR':
      return 'LOG_ERROR';
    case 'IGNORE':
    case 'IGNORE_ERROR':
      return 'IGNORE';
    case 'RUNTIME_ERROR':
      return 'RUNTIME_ERROR';
    default:
      logger.error(`unknown context-missing strategy "${value}"; using LOG_ERROR`);
      return 'LOG_ERROR';
  }
}
