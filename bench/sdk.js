// SDK overhead, side by side with the peers, in one run: `node bench/sdk.js` (or `npm run bench`).
//
// Each case runs in its own child process so one SDK's async hooks (cls-hooked enables a
// global async hook) never slow another SDK's measurement. Cases:
//   capture:*  one captured async no-op (inside a sampled segment/trace of 50 such calls;
//              segment emission included) — cost = 1/ops − 1/(baseline ops)
//   http:*     a hello-world node `http` server under a pipelined keep-alive load (or wrk's:
//              BENCH_SDK_LOAD=wrk)
//   express:*  the same on Express 5 (aws-xray-sdk-express needs Express)
// Cases run round-robin BENCH_SDK_ROUNDS times (default 3) and keep their best round. "All
// sampled" cases record every request (the worst case); "default sampling" uses each SDK's
// default (1 request/s + 5 %; OpenTelemetry at a 5 % ratio); "nothing sampled" is Fluoro's
// cost for the requests its sampler turns down, the other 95 %. Fluoro and X-Ray
// send their segments over real UDP to a sink in a process of its own; OpenTelemetry exports over
// OTLP/HTTP to a sink here too, and is also measured with an exporter that discards its spans
// (a reference: no deployment runs that way). The driver counts what reached each sink.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SECONDS = Number(process.env.BENCH_SDK_SECONDS ?? 3);
// BENCH_SDK_ONLY=regex runs only the matching cases (e.g. `^http:`), for profiling one path.
const ONLY = new RegExp(process.env.BENCH_SDK_ONLY ?? '');
const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 3);
// BENCH_SDK_VERBOSE=1 prints every server round to stderr (the spread between rounds shows how
// far one best-of figure can be trusted on a shared machine).
const VERBOSE = Boolean(process.env.BENCH_SDK_VERBOSE);
const BATCH = 50;
// BENCH_SDK_LOAD=wrk drives the server cases with wrk (see loadWrk) instead of the pipelined load.
const LOAD = process.env.BENCH_SDK_LOAD ?? 'pipelined';
const WRK_CONNECTIONS = Number(process.env.BENCH_SDK_WRK_CONNECTIONS ?? 16);
const self = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);
const SAMPLE_ALL = { version: 2, rules: [], default: { fixed_target: 0, rate: 1 } };
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const noop = async () => {};

// ---------------------------------------------------------------- workers (child processes)

async function loadFluoro(sink, sampling = { rules: SAMPLE_ALL, centralized: false }) {
  const sdk = await import(
    pathToFileURL(fileURLToPath(new URL('../packages/sdk/dist/index.js', import.meta.url))).href
  );
  sdk.configure({
    name: 'bench',
    daemonAddress: sink,
    sampling,
    logger: silent,
  });
  return sdk;
}

function loadXRay(sink, rules = SAMPLE_ALL) {
  const AWSXRay = require('aws-xray-sdk-core');
  AWSXRay.setLogger(silent);
  AWSXRay.setDaemonAddress(sink);
  AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
  AWSXRay.middleware.setSamplingRules(rules);
  AWSXRay.middleware.disableCentralizedSampling();
  return AWSXRay;
}

/**
 * OpenTelemetry with a batch span processor. `exporter: 'otlp'` ships spans as OTLP/HTTP JSON
 * to the driver's sink (how OpenTelemetry is deployed, and the same work Fluoro's figures
 * include); `'discard'` drops them in the exporter, so spans are never serialised.
 */
function loadOtel(ratio, exporterKind) {
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const {
    BatchSpanProcessor,
    ParentBasedSampler,
    TraceIdRatioBasedSampler,
  } = require('@opentelemetry/sdk-trace-base');
  let exporter;
  if (exporterKind === 'otlp') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
    exporter = new OTLPTraceExporter({ url: process.env.FLUORO_BENCH_OTLP_URL });
  } else exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  const sampler =
    ratio === undefined ? undefined : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  // A queue large enough that no span is dropped at benchmark rates (the default 2,048 would
  // drop most of them, which would make OpenTelemetry look cheaper than it is).
  const processor = new BatchSpanProcessor(exporter, {
    maxQueueSize: 100_000,
    maxExportBatchSize: 2_048,
    scheduledDelayMillis: 200,
  });
  const provider = new NodeTracerProvider({ sampler, spanProcessors: [processor] });
  provider.register();
  return provider;
}

/** One turn of the event loop, so timers and I/O (exports, send callbacks) run in the measured time. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `batch` (BATCH ops, then one event-loop turn) repeatedly for `seconds`; returns ops/s and
 * the ops run in all, warm-up included (to check what the peers delivered).
 */
async function measure(batch, seconds) {
  let total = 0;
  const warmEnd = performance.now() + 500;
  while (performance.now() < warmEnd) {
    await batch();
    await turn();
    total += BATCH;
  }
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await batch();
    await turn();
    ops += BATCH;
  }
  return { opsPerSec: ops / ((performance.now() - start) / 1000), total: total + ops };
}

const captureCases = {
  async baseline() {
    return {
      batch: async () => {
        for (let i = 0; i < BATCH; i++) await noop();
      },
    };
  },
  // The floor every context-propagating SDK pays on Node 20: AsyncLocalStorage.run per call
  // (and the async hooks it enables), recording nothing.
  async als() {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const storage = new AsyncLocalStorage();
    const one = () => storage.run({}, noop);
    return {
      batch: () =>
        storage.run({}, async () => {
          for (let i = 0; i < BATCH; i++) await one();
        }),
    };
  },
  async fluoro(sink) {
    const sdk = await loadFluoro(sink);
    return {
      batch: () =>
        sdk.traceSegment('bench', async () => {
          for (let i = 0; i < BATCH; i++) await sdk.capture('noop', noop);
        }),
      done: () => sdk.flush(),
    };
  },
  async xray(sink) {
    const AWSXRay = loadXRay(sink);
    const ns = AWSXRay.getNamespace();
    const one = () =>
      AWSXRay.captureAsyncFunc('noop', async (sub) => {
        await noop();
        sub.close();
      });
    const batch = () =>
      new Promise((resolve, reject) => {
        ns.run(() => {
          const segment = new AWSXRay.Segment('bench');
          AWSXRay.setSegment(segment);
          (async () => {
            for (let i = 0; i < BATCH; i++) await one();
            segment.close();
          })().then(resolve, reject);
        });
      });
    return { batch };
  },
  otel: async () => otelCapture('discard'),
  'otel-otlp': async () => otelCapture('otlp'),
};

function otelCapture(exporterKind) {
  const provider = loadOtel(undefined, exporterKind);
  const tracer = provider.getTracer('bench');
  const one = () =>
    tracer.startActiveSpan('noop', async (span) => {
      await noop();
      span.end();
    });
  return {
    batch: () =>
      tracer.startActiveSpan('bench', async (root) => {
        for (let i = 0; i < BATCH; i++) await one();
        root.end();
      }),
    done: () => provider.forceFlush(),
  };
}

const hello = (_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello world');
};

const serverCases = {
  'http:baseline': async () => require('node:http').createServer(hello),
  // The floor for any SDK that follows context on Node 20: AsyncLocalStorage.run per request
  // (and the async hooks it turns on for every socket write, timer and tick), recording nothing.
  'http:als': async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const storage = new AsyncLocalStorage();
    return require('node:http').createServer((req, res) => storage.run({}, hello, req, res));
  },
  // The least any SDK that speaks X-Ray's protocol pays with default sampling: the context per
  // request, and for 1 request/s + 5 % one segment document (the fields a request's segment
  // holds) rendered and sent as a datagram, in bursts as Fluoro's emitter sends. No rules, no
  // header parsing, no objects but the document's string: no real SDK costs less.
  'http:protocol-floor': async (sink) => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const storage = new AsyncLocalStorage();
    const socket = require('node:dgram').createSocket('udp4');
    const [host, port] = sink.split(':');
    socket.connect(Number(port), host);
    await once(socket, 'connect');
    socket.unref();
    const header = '{"format":"json","version":1}\n';
    const queue = [];
    const flush = () => {
      for (const doc of queue) socket.send(doc);
      queue.length = 0;
    };
    setInterval(flush, 100).unref();
    let n = 0;
    let second = 0;
    const traced = (req, res) => {
      const start = Date.now() / 1000;
      const now = Math.floor(start);
      const first = now !== second;
      if (first) second = now;
      if (!first && Math.random() >= 0.05) return storage.run(false, hello, req, res);
      const id = (++n).toString(16).padStart(16, '0');
      res.on('finish', () => {
        queue.push(
          `${header}{"name":"bench","id":"${id}","trace_id":"1-${now.toString(16)}-${id}${id.slice(0, 8)}","start_time":${start},"end_time":${Date.now() / 1000},"http":{"request":{"method":"${req.method}","url":"http://${req.headers.host}${req.url}","client_ip":"${req.socket.remoteAddress}"},"response":{"status":${res.statusCode}}},"aws":{"xray":{"sdk":"bench"}}}`,
        );
        if (queue.length >= 64) flush();
      });
      return storage.run(true, hello, req, res);
    };
    return require('node:http').createServer(traced);
  },
  'http:fluoro': async (sink) => {
    const sdk = await loadFluoro(sink);
    return require('node:http').createServer(sdk.traceHttp(hello));
  },
  'http:otel': async () => otelServer(undefined, 'discard'),
  'http:otel-otlp': async () => otelServer(undefined, 'otlp'),
  // Default sampling: Fluoro's and X-Ray's 1 request/s + 5 %; OpenTelemetry at a 5 % ratio.
  'http:fluoro-default': async (sink) => {
    const sdk = await loadFluoro(sink, { centralized: false });
    return require('node:http').createServer(sdk.traceHttp(hello));
  },
  // Every request turned down: what the 95 % that default sampling does not record cost.
  'http:fluoro-none': async (sink) => {
    const sdk = await loadFluoro(sink, {
      rules: { version: 2, rules: [], default: { fixed_target: 0, rate: 0 } },
      centralized: false,
    });
    return require('node:http').createServer(sdk.traceHttp(hello));
  },
  'http:otel-5%': async () => otelServer(0.05, 'discard'),
  'http:otel-otlp-5%': async () => otelServer(0.05, 'otlp'),
  'express:baseline': async () => {
    const app = require('express')();
    app.get('/', hello);
    return require('node:http').createServer(app);
  },
  'express:als': async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const storage = new AsyncLocalStorage();
    const app = require('express')();
    app.use((_req, _res, next) => storage.run({}, next));
    app.get('/', hello);
    return require('node:http').createServer(app);
  },
  'express:fluoro': async (sink) => {
    const sdk = await loadFluoro(sink);
    const app = require('express')();
    app.use(sdk.expressTracing());
    app.get('/', hello);
    app.use(sdk.expressErrorTracing());
    return require('node:http').createServer(app);
  },
  'express:xray': async (sink) => xrayExpressServer(sink, SAMPLE_ALL),
  'express:fluoro-default': async (sink) => {
    const sdk = await loadFluoro(sink, { centralized: false });
    const app = require('express')();
    app.use(sdk.expressTracing());
    app.get('/', hello);
    app.use(sdk.expressErrorTracing());
    return require('node:http').createServer(app);
  },
  'express:xray-default': async (sink) =>
    xrayExpressServer(sink, { version: 2, rules: [], default: { fixed_target: 1, rate: 0.05 } }),
};

function otelServer(ratio, exporterKind) {
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const provider = loadOtel(ratio, exporterKind);
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation()] });
  return require('node:http').createServer(hello);
}

function xrayExpressServer(sink, rules) {
  loadXRay(sink, rules);
  const xrayExpress = require('aws-xray-sdk-express');
  const app = require('express')();
  app.use(xrayExpress.openSegment('bench'));
  app.get('/', hello);
  app.use(xrayExpress.closeSegment());
  return require('node:http').createServer(app);
}

async function worker(kind, name, sink) {
  if (kind === 'capture') {
    const { batch, done } = await captureCases[name](sink);
    const { opsPerSec, total } = await measure(batch, SECONDS);
    // After the measurement: deliver what is still queued, so the driver can count it.
    await done?.();
    process.stdout.write(`${JSON.stringify({ opsPerSec, total })}\n`);
    process.exit(0);
  }
  const server = await serverCases[name](sink);
  // Exit cleanly when the driver is done, so `NODE_OPTIONS=--cpu-prof` writes a profile.
  process.on('SIGTERM', () => process.exit(0));
  server.keepAliveTimeout = 60_000;
  // Server CPU time per request between the driver's 'start' and 'report' lines.
  let requests = 0;
  server.prependListener('request', () => requests++);
  let cpu = process.cpuUsage();
  let counted = 0;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text) => {
    for (const line of text.split('\n')) {
      if (line === 'start') {
        cpu = process.cpuUsage();
        counted = requests;
      } else if (line === 'report') {
        const used = process.cpuUsage(cpu);
        const n = requests - counted;
        process.stdout.write(
          `${JSON.stringify({ cpuUsPerRequest: (used.user + used.system) / n, requests: n })}\n`,
        );
      }
    }
  });
  server.listen(0, '127.0.0.1', () =>
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
  );
}

// ---------------------------------------------------------------- driver

function startWorker(kind, name, sink) {
  // BENCH_SDK_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles each case's process.
  const nodeArgs = (process.env.BENCH_SDK_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, self, '--worker', kind, name, sink], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = [];
  const waiting = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const value = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      const w = waiting.shift();
      if (w) w.resolve(value);
      else lines.push(value);
    }
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${kind}:${name} exited with ${code}`));
  });
  const nextLine = () =>
    lines.length > 0
      ? Promise.resolve(lines.shift())
      : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  return { child, firstLine: nextLine(), nextLine };
}

/** Pipelined keep-alive GETs over raw sockets (cheap for the client); returns responses/s. */
async function load(port, seconds, onStart, connections = 8, depth = 16) {
  const request = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n');
  const marker = 'HTTP/1.1 ';
  let counting = false;
  let done = 0;
  const sockets = [];
  for (let c = 0; c < connections; c++) {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await once(socket, 'connect');
    let tail = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      const text = tail + chunk;
      let n = 0;
      for (let i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + marker.length)) n++;
      tail = text.slice(-(marker.length - 1));
      if (counting) done += n;
      socket.write(Buffer.concat(Array.from({ length: n }, () => request)));
    });
    socket.on('error', () => {});
    socket.write(Buffer.concat(Array.from({ length: depth }, () => request)));
    sockets.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  counting = true;
  onStart();
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const rate = done / ((performance.now() - start) / 1000);
  for (const s of sockets) s.destroy();
  return rate;
}

/**
 * wrk's load instead (BENCH_SDK_LOAD=wrk; Debian's `wrk`): keep-alive connections, one request
 * in flight on each, as most load generators and load balancers send. Returns responses/s.
 */
async function loadWrk(port, seconds, onStart) {
  const run = async (secs) => {
    const args = ['-t1', `-c${WRK_CONNECTIONS}`, `-d${secs}s`, `http://127.0.0.1:${port}/`];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    await once(child, 'exit');
    const rate = /Requests\/sec:\s*([\d.]+)/.exec(out)?.[1];
    if (!rate) throw new Error(`wrk printed no rate:\n${out}`);
    return Number(rate);
  };
  await run(1); // warm-up, as the pipelined load's first half second
  onStart();
  return run(seconds);
}

/**
 * A UDP endpoint in a process of its own that counts datagrams, as a daemon would receive them.
 * Not in the driver: datagrams arriving there would change when the load generator wakes up
 * and, with it, what each response write costs the server under test.
 */
async function startUdpSink() {
  const code = `const s = require('node:dgram').createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    let n = 0;
    s.on('message', () => n++);
    s.bind(0, '127.0.0.1', () => console.log(s.address().port));
    process.stdin.on('data', () => console.log(n));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => Number((await lines.next()).value);
  const port = await next();
  return {
    address: `127.0.0.1:${port}`,
    child,
    count: () => {
      child.stdin.write('\n');
      return next();
    },
  };
}

/**
 * What one datagram costs the sender, in `send()`, when the collector has been idle since the
 * last one, against one in a burst of 64: why Fluoro's emitter sends in bursts (ADR 0006). The
 * kernel wakes an idle receiver on the sender's CPU.
 */
async function udpSendCost(address) {
  const [host, port] = address.split(':');
  const socket = createSocket('udp4');
  await new Promise((resolve) => socket.connect(Number(port), host, resolve));
  const payload = Buffer.alloc(600, 'x');
  const perSend = async (burst, turns) => {
    let ms = 0;
    for (let i = 0; i < turns; i++) {
      const idleUntil = performance.now() + 0.2; // 200 µs of other work: the collector idles
      while (performance.now() < idleUntil);
      const t = performance.now();
      for (let k = 0; k < burst; k++) socket.send(payload);
      ms += performance.now() - t;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return (ms * 1000) / (turns * burst);
  };
  await perSend(8, 200);
  const alone = await perSend(1, 2000);
  const inBurst = await perSend(64, 200);
  socket.close();
  return { alone, inBurst };
}

/** An OTLP/HTTP endpoint that accepts every export and counts the spans in it. */
async function startOtlpSink() {
  let spans = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      for (let i = body.indexOf('"spanId"'); i >= 0; i = body.indexOf('"spanId"', i + 8)) spans++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}/v1/traces`, spans: () => spans, server };
}

const CAPTURE_CASES = ['baseline', 'als', 'fluoro', 'xray', 'otel-otlp', 'otel'];
const LABELS = {
  'capture:baseline': 'capture: async no-op, no SDK',
  'capture:als': 'capture: AsyncLocalStorage.run only (floor)',
  'capture:fluoro': 'capture: Fluoro capture()',
  'capture:xray': 'capture: X-Ray captureAsyncFunc',
  'capture:otel-otlp': 'capture: OTel startActiveSpan, OTLP export',
  'capture:otel': 'capture: OTel startActiveSpan, spans discarded',
  'http:baseline': 'http: hello world, no SDK',
  'http:als': 'http: AsyncLocalStorage.run only (floor)',
  'http:protocol-floor': 'http: X-Ray protocol floor, default sampling',
  'http:fluoro': 'http: Fluoro traceHttp, all sampled',
  'http:otel-otlp': 'http: OTel HttpInstrumentation, OTLP, all sampled',
  'http:otel': 'http: OTel HttpInstrumentation, discarded, all',
  'http:fluoro-default': 'http: Fluoro traceHttp, default sampling',
  'http:fluoro-none': 'http: Fluoro traceHttp, nothing sampled',
  'http:otel-otlp-5%': 'http: OTel HttpInstrumentation, OTLP, 5 %',
  'http:otel-5%': 'http: OTel HttpInstrumentation, discarded, 5 %',
  'express:baseline': 'express: hello world, no SDK',
  'express:als': 'express: AsyncLocalStorage.run only (floor)',
  'express:fluoro': 'express: Fluoro expressTracing, all sampled',
  'express:xray': 'express: X-Ray openSegment, all sampled',
  'express:fluoro-default': 'express: Fluoro expressTracing, default sampling',
  'express:xray-default': 'express: X-Ray openSegment, default sampling',
};

/**
 * Which rows are compared: Fluoro's cost is divided by the cheaper of the peers that ship their
 * data (X-Ray over UDP, OpenTelemetry over OTLP); OpenTelemetry with its spans discarded is
 * shown for reference against the same Fluoro row.
 */
const COMPARISONS = [
  { ours: 'capture:fluoro', peers: ['capture:xray', 'capture:otel-otlp'], reference: 'capture:otel' },
  { ours: 'http:fluoro', peers: ['http:otel-otlp'], reference: 'http:otel' },
  { ours: 'http:fluoro-default', peers: ['http:otel-otlp-5%'], reference: 'http:otel-5%' },
  { ours: 'express:fluoro', peers: ['express:xray'] },
  { ours: 'express:fluoro-default', peers: ['express:xray-default'] },
];

/** Runs every case and prints a table; returns rows {name, value, cost, ratio, detail}. */
export async function runSdkBench() {
  const udp = await startUdpSink();
  const sinkAddress = udp.address;
  const otlp = await startOtlpSink();
  process.env.FLUORO_BENCH_OTLP_URL = otlp.url;

  // Cases run round-robin, ROUNDS times; each keeps its best round (the machine is shared, so
  // the best round is the one least disturbed by other work).
  const rate = {};
  const cost = {};
  const delivered = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of CAPTURE_CASES) {
      if (!ONLY.test(`capture:${name}`)) continue;
      const before = { datagrams: await udp.count(), spans: otlp.spans() };
      const { firstLine, child } = startWorker('capture', name, sinkAddress);
      const key = `capture:${name}`;
      const { opsPerSec, total } = await firstLine;
      await once(child, 'exit');
      await new Promise((resolve) => setTimeout(resolve, 200)); // the sinks read what is in flight
      rate[key] = Math.max(rate[key] ?? 0, opsPerSec);
      // Captures that reached a sink: 50 per Fluoro datagram, one per OTLP span (less the roots).
      if (name === 'fluoro') delivered[key] = (((await udp.count()) - before.datagrams) * BATCH) / total;
      if (name === 'otel-otlp')
        delivered[key] = ((otlp.spans() - before.spans) * BATCH) / (BATCH + 1) / total;
    }
  }
  for (const name of CAPTURE_CASES.slice(1)) {
    const key = `capture:${name}`;
    // µs per capture above the bare async call.
    if (rate[key] !== undefined) cost[key] = 1e6 / rate[key] - 1e6 / rate['capture:baseline'];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(serverCases)) {
      if (!ONLY.test(name)) continue;
      const { child, firstLine, nextLine } = startWorker('server', name, sinkAddress);
      const { port } = await firstLine;
      const perSecond = await (LOAD === 'wrk' ? loadWrk : load)(port, SECONDS, () =>
        child.stdin.write('start\n'),
      );
      child.stdin.write('report\n');
      const { cpuUsPerRequest } = await nextLine();
      if (VERBOSE)
        console.error(
          `round ${round}: ${name} ${Math.round(perSecond)} req/s, ${cpuUsPerRequest.toFixed(2)} µs CPU/req`,
        );
      rate[name] = Math.max(rate[name] ?? 0, perSecond);
      cost[name] = Math.min(cost[name] ?? Number.POSITIVE_INFINITY, cpuUsPerRequest);
      child.kill();
      await once(child, 'exit');
    }
  }
  const send = ONLY.test('udp') ? await udpSendCost(sinkAddress) : undefined;
  const datagrams = await udp.count();
  udp.child.kill();
  otlp.server.close();
  otlp.server.closeAllConnections();
  // Server rows: added CPU per request over the same server without an SDK.
  for (const group of ['http', 'express']) {
    const base = cost[`${group}:baseline`];
    for (const name of Object.keys(serverCases)) {
      if (name.startsWith(`${group}:`) && name !== `${group}:baseline` && cost[name] !== undefined)
        cost[name] -= base;
    }
  }

  const ratio = {};
  const referenceRatio = {};
  for (const { ours, peers, reference } of COMPARISONS) {
    const peerCosts = peers.map((p) => cost[p]).filter((c) => c !== undefined);
    if (cost[ours] === undefined || peerCosts.length === 0) continue;
    const faster = Math.min(...peerCosts);
    for (const name of [ours, ...peers]) if (cost[name] !== undefined) ratio[name] = cost[name] / faster;
    if (reference && cost[reference] !== undefined) referenceRatio[ours] = cost[ours] / cost[reference];
  }

  const rows = [];
  for (const name of Object.keys(LABELS)) {
    if (rate[name] === undefined) continue;
    const [group] = name.split(':');
    let detail = '';
    if (group === 'capture') {
      if (name !== 'capture:baseline') detail = `${cost[name].toFixed(2)} µs/op`;
    } else if (name.endsWith(':baseline')) detail = `${cost[name].toFixed(1)} µs CPU/req`;
    else {
      const loss = 1 - rate[name] / rate[`${group}:baseline`];
      detail = `${(loss * 100).toFixed(1)} % rate loss, +${cost[name].toFixed(1)} µs CPU/req`;
    }
    if (delivered[name] !== undefined) detail += `, ${Math.round(delivered[name] * 100)} % delivered`;
    if (referenceRatio[name] !== undefined)
      detail += ` (${referenceRatio[name].toFixed(2)}× OTel discarding)`;
    rows.push({ name, label: LABELS[name], value: rate[name], cost: cost[name], ratio: ratio[name], detail });
  }

  console.log('## SDK overhead (each case in its own process, same run)');
  console.log(`case${' '.repeat(46)} |   ops/s, req/s | ${'cost'.padEnd(62)} | vs faster peer`);
  for (const r of rows) {
    const value = Math.round(r.value).toLocaleString('en-US').padStart(14);
    console.log(`${r.label.padEnd(50)} | ${value} | ${r.detail.padEnd(62)} | ${r.ratio?.toFixed(2) ?? ''}`);
  }
  console.log(
    `(${datagrams.toLocaleString('en-US')} segment datagrams at the UDP sink, ${otlp
      .spans()
      .toLocaleString('en-US')} spans at the OTLP sink)\n`,
  );
  if (send)
    console.log(
      `udp: one datagram to an idle collector ${send.alone.toFixed(2)} µs in send(), one in a burst of 64 ${send.inBurst.toFixed(2)} µs (${(send.alone / send.inBurst).toFixed(1)}×: why the SDK sends in bursts)\n`,
    );
  return rows;
}

if (process.argv[2] === '--worker') {
  await worker(process.argv[3], process.argv[4], process.argv[5]);
} else if (process.argv[1] === self) {
  await runSdkBench();
}
