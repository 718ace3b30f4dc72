// SDK overhead, side by side with the peers, in one run: `node bench/sdk.js` (or `npm run bench`).
//
// Each case runs in its own child process so one SDK's async hooks (cls-hooked enables a
// global async hook) never slow another SDK's measurement. Cases:
//   capture:*  one captured async no-op (inside a sampled segment/trace of 50 such calls;
//              segment emission included) — cost = 1/ops − 1/(baseline ops)
//   http:*     a hello-world node `http` server under a pipelined keep-alive load
//   express:*  the same on Express 5 (aws-xray-sdk-express needs Express)
// Every request and every capture is sampled in every SDK (the worst case). Fluoro and X-Ray
// send their segments over real UDP to a sink in this process; OpenTelemetry batches spans to
// an exporter that discards them (it has no UDP exporter), which favours it.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SECONDS = Number(process.env.BENCH_SDK_SECONDS ?? 3);
const BATCH = 50;
const self = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);
const SAMPLE_ALL = { version: 2, rules: [], default: { fixed_target: 0, rate: 1 } };
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const noop = async () => {};

// ---------------------------------------------------------------- workers (child processes)

async function loadFluoro(sink) {
  const sdk = await import(
    pathToFileURL(fileURLToPath(new URL('../packages/sdk/dist/index.js', import.meta.url))).href
  );
  sdk.configure({
    name: 'bench',
    daemonAddress: sink,
    sampling: { rules: SAMPLE_ALL, centralized: false },
    logger: silent,
  });
  return sdk;
}

function loadXRay(sink) {
  const AWSXRay = require('aws-xray-sdk-core');
  AWSXRay.setLogger(silent);
  AWSXRay.setDaemonAddress(sink);
  AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
  AWSXRay.middleware.setSamplingRules(SAMPLE_ALL);
  AWSXRay.middleware.disableCentralizedSampling();
  return AWSXRay;
}

function loadOtel() {
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  return provider;
}

/** Runs `batch` (BATCH ops) repeatedly for `seconds`; returns ops/s. */
async function measure(batch, seconds) {
  const warmEnd = performance.now() + 500;
  while (performance.now() < warmEnd) await batch();
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await batch();
    ops += BATCH;
  }
  return ops / ((performance.now() - start) / 1000);
}

const captureCases = {
  async baseline() {
    return () =>
      (async () => {
        for (let i = 0; i < BATCH; i++) await noop();
      })();
  },
  async fluoro(sink) {
    const sdk = await loadFluoro(sink);
    let n = 0;
    return async () => {
      await sdk.traceSegment('bench', async () => {
        for (let i = 0; i < BATCH; i++) await sdk.capture('noop', noop);
      });
      // Let the socket drain now and then so nothing is dropped for backlog.
      if (++n % 100 === 0) await sdk.flush();
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
    return () =>
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
  },
  async otel() {
    const tracer = loadOtel().getTracer('bench');
    const one = () =>
      tracer.startActiveSpan('noop', async (span) => {
        await noop();
        span.end();
      });
    return () =>
      tracer.startActiveSpan('bench', async (root) => {
        for (let i = 0; i < BATCH; i++) await one();
        root.end();
      });
  },
};

const hello = (_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello world');
};

const serverCases = {
  'http:baseline': async () => require('node:http').createServer(hello),
  'http:fluoro': async (sink) => {
    const sdk = await loadFluoro(sink);
    return require('node:http').createServer(sdk.traceHttp(hello));
  },
  'http:otel': async () => {
    const { registerInstrumentations } = require('@opentelemetry/instrumentation');
    const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
    const provider = loadOtel();
    registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation()] });
    return require('node:http').createServer(hello);
  },
  'express:baseline': async () => {
    const app = require('express')();
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
  'express:xray': async (sink) => {
    const AWSXRay = loadXRay(sink);
    const xrayExpress = require('aws-xray-sdk-express');
    const app = require('express')();
    app.use(xrayExpress.openSegment('bench'));
    app.get('/', hello);
    app.use(xrayExpress.closeSegment());
    void AWSXRay;
    return require('node:http').createServer(app);
  },
};

async function worker(kind, name, sink) {
  if (kind === 'capture') {
    const batch = await captureCases[name](sink);
    const opsPerSec = await measure(batch, SECONDS);
    process.stdout.write(`${JSON.stringify({ opsPerSec })}\n`);
    process.exit(0);
  }
  const server = await serverCases[name](sink);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () =>
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
  );
}

// ---------------------------------------------------------------- driver

function startWorker(kind, name, sink) {
  const child = spawn(process.execPath, [self, '--worker', kind, name, sink], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`${kind}:${name} exited with ${code}`)));
  });
  return { child, firstLine };
}

/** Pipelined keep-alive GETs over raw sockets (cheap for the client); returns responses/s. */
async function load(port, seconds, connections = 8, depth = 16) {
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
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const rate = done / ((performance.now() - start) / 1000);
  for (const s of sockets) s.destroy();
  return rate;
}

/** Runs every case and prints a table; returns rows {name, opsPerSec, ratioVsPeer}. */
export async function runSdkBench() {
  const sink = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let datagrams = 0;
  sink.on('message', () => datagrams++);
  sink.bind(0, '127.0.0.1');
  await once(sink, 'listening');
  const sinkAddress = `127.0.0.1:${sink.address().port}`;

  const capture = {};
  for (const name of ['baseline', 'fluoro', 'xray', 'otel']) {
    const { firstLine } = startWorker('capture', name, sinkAddress);
    capture[name] = (await firstLine).opsPerSec;
  }
  const http = {};
  for (const name of Object.keys(serverCases)) {
    const { child, firstLine } = startWorker('server', name, sinkAddress);
    const { port } = await firstLine;
    http[name] = await load(port, SECONDS);
    child.removeAllListeners('exit');
    child.kill();
    await once(child, 'exit');
  }
  sink.close();

  const costUs = (ops) => 1e6 / ops - 1e6 / capture.baseline;
  const peerCost = Math.min(costUs(capture.xray), costUs(capture.otel));
  const rows = [
    { name: 'capture: async no-op, no SDK', opsPerSec: capture.baseline, ratioVsPeer: null },
    {
      name: 'capture: Fluoro capture()',
      opsPerSec: capture.fluoro,
      ratioVsPeer: costUs(capture.fluoro) / peerCost,
    },
    {
      name: 'capture: X-Ray captureAsyncFunc',
      opsPerSec: capture.xray,
      ratioVsPeer: costUs(capture.xray) / peerCost,
    },
    {
      name: 'capture: OTel startActiveSpan',
      opsPerSec: capture.otel,
      ratioVsPeer: costUs(capture.otel) / peerCost,
    },
  ];
  const loss = (traced, base) => 1 - traced / base;
  const httpPeerLoss = loss(http['http:otel'], http['http:baseline']);
  const expressPeerLoss = loss(http['express:xray'], http['express:baseline']);
  rows.push(
    { name: 'http: hello world, no SDK', opsPerSec: http['http:baseline'], ratioVsPeer: null },
    {
      name: 'http: Fluoro traceHttp',
      opsPerSec: http['http:fluoro'],
      ratioVsPeer: loss(http['http:fluoro'], http['http:baseline']) / httpPeerLoss,
    },
    { name: 'http: OTel HttpInstrumentation', opsPerSec: http['http:otel'], ratioVsPeer: 1 },
    { name: 'express: hello world, no SDK', opsPerSec: http['express:baseline'], ratioVsPeer: null },
    {
      name: 'express: Fluoro expressTracing',
      opsPerSec: http['express:fluoro'],
      ratioVsPeer: loss(http['express:fluoro'], http['express:baseline']) / expressPeerLoss,
    },
    { name: 'express: X-Ray openSegment', opsPerSec: http['express:xray'], ratioVsPeer: 1 },
  );

  console.log('## SDK overhead (each case in its own process, same run; everything sampled)');
  console.log(
    'case                                |       ops/s | cost µs/op or rate loss | ratio vs faster peer',
  );
  for (const r of rows) {
    let extra = '';
    if (r.name.startsWith('capture') && r.ratioVsPeer !== null)
      extra = `${costUs(r.opsPerSec).toFixed(2)} µs`;
    else if (r.name.startsWith('http') && r.ratioVsPeer !== null) {
      extra = `${(loss(r.opsPerSec, http['http:baseline']) * 100).toFixed(1)} % loss`;
    } else if (r.name.startsWith('express') && r.ratioVsPeer !== null) {
      extra = `${(loss(r.opsPerSec, http['express:baseline']) * 100).toFixed(1)} % loss`;
    }
    const ratio = r.ratioVsPeer === null ? '' : r.ratioVsPeer.toFixed(2);
    console.log(
      `${r.name.padEnd(35)} | ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(11)} | ${extra.padStart(23)} | ${ratio}`,
    );
  }
  console.log(`(${datagrams.toLocaleString('en-US')} segment datagrams received by the UDP sink)\n`);
  return rows;
}

if (process.argv[2] === '--worker') {
  await worker(process.argv[3], process.argv[4], process.argv[5]);
} else if (process.argv[1] === self) {
  await runSdkBench();
}
