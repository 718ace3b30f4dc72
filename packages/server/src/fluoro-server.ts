import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '@fluoro/store';
import { createConsoleHandler } from './console/serve-console.js';
import type { ApiError } from './http/api-error.js';
import { type AuthToken, createTokenAuth } from './http/auth.js';
import { Router } from './http/router.js';
import { BatchWriter, type BatchWriterOptions } from './ingest/batch-writer.js';
import { IngestStats } from './ingest/ingest-stats.js';
import { type OtlpGrpcServer, startOtlpGrpc } from './ingest/otlp-grpc.js';
import { otlpPreflight, otlpTracesHandler, zipkinSpansHandler } from './ingest/span-ingest.js';
import { startUdpReceiver } from './ingest/udp-receiver.js';
import { registerServiceGraphRoutes } from './service-graph-routes.js';
import { batchGetTraces } from './xray-api/batch-get-traces.js';
import { getTraceSummaries } from './xray-api/get-trace-summaries.js';
import { groupsApi } from './xray-api/groups.js';
import { putTraceSegments } from './xray-api/put-trace-segments.js';
import { type DefaultSamplingRule, samplingApi } from './xray-api/sampling.js';

export interface FluoroServerOptions {
  store: Store;
  /** UDP listen address (X-Ray daemon protocol); undefined disables UDP ingest. */
  udp?: { host: string; port: number };
  /** HTTP listen address (X-Ray API, ingest including OTLP and Zipkin, Fluoro API). */
  http: { host: string; port: number };
  /**
   * OTLP/HTTP's own port (4318 by convention), serving only `POST /v1/traces`; undefined: none.
   * `optional`: if the port is taken (a local OpenTelemetry Collector, say), warn and go on
   * without it; OTLP stays available on the HTTP port.
   */
  otlp?: { host: string; port: number; optional?: boolean };
  /** OTLP/gRPC (4317 by convention); undefined: none. `optional` as for `otlp`. */
  otlpGrpc?: { host: string; port: number; optional?: boolean };
  writer?: BatchWriterOptions;
  /**
   * Rates for the `Default` sampling rule given explicitly at start: each one given replaces the
   * stored Default's and is stored. Absent: the stored Default, else FLUORO_DEFAULT_SAMPLING
   * (every request).
   */
  sampling?: Partial<DefaultSamplingRule>;
  /**
   * What this process does: `collector` takes segments (UDP, PutTraceSegments, the SDKs'
   * sampling calls), `api` answers queries, manages groups and sampling rules and serves the
   * console, `all` (the default) both. GetSamplingRules is served by every role. Several processes
   * of each role can share one ClickHouse store.
   */
  role?: FluoroRole;
  /** The built console to serve at / (default: packages/console/dist); false serves none. */
  consoleDir?: string | false;
  /**
   * A shared secret every query route then needs (the X-Ray query API, groups, `/api/*` but
   * `/api/health`), as `Authorization: Bearer <token>` or an AWS SigV4 signature with the token
   * as the secret access key. Ingest, sampling and the console's static files stay open: the
   * X-Ray SDKs and daemon cannot send a token (see `ingestAuth`). Any of the tokens given is accepted (two while
   * one replaces the other). A string has full access; `{ token, role: 'read-only' }` may call only
   * the routes registered `access: 'read'` (queries, the service graph and statistics, the
   * console's data), and gets 403 AccessDeniedException on the rest (sampling-rule and group
   * changes, ingest with `ingestAuth`). Undefined: nothing is authenticated.
   */
  authTokens?: readonly (string | AuthToken)[];
  /**
   * With `authTokens`, ingest needs a token too: OTLP/HTTP and Zipkin as
   * `Authorization: Bearer <token>` (on the HTTP port and OTLP's own), OTLP/gRPC as the metadata
   * `authorization: Bearer <token>`, PutTraceSegments and TelemetryRecords as the query API takes
   * it (bearer, or SigV4 with the token as the secret: the X-Ray daemon given that secret); a
   * full-access token, as ingest writes. UDP,
   * GetSamplingRules and SamplingTargets stay open: the X-Ray SDKs cannot send a token. Refused
   * requests are counted under `rejected.unauthenticated`. Throws at start without `authTokens`.
   */
  ingestAuth?: boolean;
}

export type FluoroRole = 'all' | 'collector' | 'api';

export interface FluoroServer {
  /**
   * Actually bound addresses: `udp` and `otlpGrpc` as host:port, `http` and `otlp` (the
   * endpoint) as URLs.
   */
  addresses: { udp?: string; http: string; otlp?: string; otlpGrpc?: string };
  stats: IngestStats;
  /** Stops accepting, writes everything accepted, closes the store. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Replaces the accepted auth tokens and their roles while serving (a rotation, or a token made
   * read-only). Throws, changing nothing, when the server was started without tokens, `tokens` is
   * empty, or one token is given both full and read-only.
   */
  setAuthTokens(tokens: readonly (string | AuthToken)[]): void;
}

/** Starts ingest (UDP + HTTP), the batch writer and the query API over one store. */
export async function startFluoroServer(options: FluoroServerOptions): Promise<FluoroServer> {
  const stats = new IngestStats();
  const maxQueued = options.writer?.maxQueued ?? 100_000;
  const writer = new BatchWriter(options.store, stats, options.writer);
  const sampling = await samplingApi(options.store, options.sampling);
  const role = options.role ?? 'all';
  const open = { open: true };
  // Routes that change nothing, so a read-only token may call them. Any route not marked so is a
  // write, and needs a full-access token (the Router's default).
  const read = { access: 'read' } as const;
  const auth = options.authTokens === undefined ? undefined : createTokenAuth({ tokens: options.authTokens });
  if (options.ingestAuth && !auth) throw new Error('ingestAuth needs authTokens');
  // One authenticator for queries and ingest, so a rotation (setAuthTokens) covers both.
  const ingestAuth = options.ingestAuth ? auth : undefined;
  const ingest = { writer, stats, maxQueued, ...(ingestAuth ? { auth: ingestAuth } : {}) };
  // PutTraceSegments and TelemetryRecords: open, unless ingest needs the token.
  const segmentIngest = ingestAuth
    ? {
        onRefused: (e: ApiError) => stats.refuse(`a PutTraceSegments or TelemetryRecords call: ${e.message}`),
      }
    : open;
  const router = new Router(auth)
    .get('/api/stats', () => ({ ingest: stats.toJSON(), queued: writer.queued }), read)
    // What the caller's token may do, so the console offers only the controls that can work.
    .get('/api/auth', (ctx) => ({ role: ctx.role ?? 'full' }), read)
    .get('/api/health', () => ({ status: 'ok', role }), open)
    // The SDKs poll it without credentials; the AWS CLI and SDKs list rules with it too.
    .post('/GetSamplingRules', sampling.getSamplingRules, open);
  if (role !== 'api') {
    // What X-Ray SDKs and the daemon call. The SDKs have no way to send a token; the daemon signs
    // with its AWS secret, which is Fluoro's token only when it is set so (--ingest-auth). Writes:
    // with --ingest-auth a read-only token may not send segments (nor spans: checkBearer's default).
    router
      .post('/TraceSegments', putTraceSegments(writer, stats, maxQueued), segmentIngest)
      .post('/TelemetryRecords', () => ({}), segmentIngest)
      .post('/SamplingTargets', sampling.getSamplingTargets, open)
      .raw('POST', '/v1/traces', otlpTracesHandler(ingest))
      .raw('OPTIONS', '/v1/traces', otlpPreflight)
      .raw('POST', '/api/v2/spans', zipkinSpansHandler(ingest));
  }
  if (role !== 'collector') {
    const groups = groupsApi(options.store);
    router
      .post('/Traces', batchGetTraces(options.store), read)
      .post('/TraceSummaries', getTraceSummaries(options.store, groups.lookup), read)
      .post('/CreateGroup', groups.createGroup)
      .post('/GetGroup', groups.getGroup, read)
      .post('/Groups', groups.getGroups, read)
      .post('/UpdateGroup', groups.updateGroup)
      .post('/DeleteGroup', groups.deleteGroup)
      // Rule changes change what every service records: they need a full-access token when one is set.
      .post('/CreateSamplingRule', sampling.createSamplingRule)
      .post('/UpdateSamplingRule', sampling.updateSamplingRule)
      .post('/DeleteSamplingRule', sampling.deleteSamplingRule)
      // What the SDKs reported: read by people, so behind the token like the rest of the API.
      .post('/SamplingStatisticSummaries', sampling.getSamplingStatisticSummaries, read);
    registerServiceGraphRoutes(router, options.store);
  }
  const serveConsole =
    options.consoleDir === false || role === 'collector'
      ? undefined
      : createConsoleHandler(options.consoleDir);
  const http = createServer((req, res) => {
    // GETs the API does not answer are the console's (its files, and index.html for deep links).
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const isConsole =
      serveConsole &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !pathname.startsWith('/api/') &&
      !router.has('GET', pathname);
    (isConsole ? serveConsole(req, res) : router.handle(req, res)).catch((e) => {
      console.error(`fluoro: request failed: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  http.on('clientError', (_e, socket) => socket.destroy());
  await listen(http, options.http.host, options.http.port);
  // OTLP's conventional port answers the same handlers, and nothing else.
  let otlp: Server | undefined;
  if (options.otlp && role !== 'api') {
    const otlpRouter = new Router()
      .raw('POST', '/v1/traces', otlpTracesHandler(ingest))
      .raw('OPTIONS', '/v1/traces', otlpPreflight);
    otlp = createServer((req, res) => {
      otlpRouter.handle(req, res).catch((e) => {
        console.error(`fluoro: OTLP request failed: ${(e as Error).message}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    otlp.on('clientError', (_e, socket) => socket.destroy());
    try {
      await listen(otlp, options.otlp.host, options.otlp.port);
    } catch (e) {
      if (!options.otlp.optional || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      console.error(
        `fluoro: OTLP port ${options.otlp.host}:${options.otlp.port} is in use; OTLP is served on the HTTP port only (choose another with --otlp)`,
      );
      otlp = undefined;
    }
  }
  let otlpGrpc: OtlpGrpcServer | undefined;
  if (options.otlpGrpc && role !== 'api') {
    const { host, port, optional } = options.otlpGrpc;
    try {
      otlpGrpc = await startOtlpGrpc(host, port, ingest);
    } catch (e) {
      // grpc-js reports a taken port only as "no address added"; any bind failure is one here.
      if (!optional)
        throw new Error(`OTLP/gRPC could not listen on ${host}:${port}: ${(e as Error).message}`);
      console.error(
        `fluoro: OTLP/gRPC port ${host}:${port} is not available; OTLP is served over HTTP only (choose another with --otlp-grpc)`,
      );
    }
  }
  const udp =
    options.udp && role !== 'api'
      ? await startUdpReceiver(options.udp.host, options.udp.port, writer, stats)
      : undefined;
  let stopping: Promise<void> | undefined;
  return {
    addresses: {
      ...(udp ? { udp: udp.address } : {}),
      http: urlOf(http),
      ...(otlp ? { otlp: `${urlOf(otlp)}/v1/traces` } : {}),
      ...(otlpGrpc ? { otlpGrpc: otlpGrpc.address } : {}),
    },
    stats,
    setAuthTokens: (tokens) => {
      if (!auth) throw new Error('this server was started without auth tokens');
      auth.setTokens(tokens);
    },
    stop: () => {
      stopping ??= (async () => {
        await udp?.close();
        await otlpGrpc?.close();
        if (otlp) {
          const server = otlp;
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          });
        }
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeIdleConnections();
        });
        await writer.close();
        await options.store.close();
      })();
      return stopping;
    },
  };
}

function urlOf(server: Server): string {
  const a = server.address() as AddressInfo;
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
