// What several benchmarks share: a running `fluoro up`, and the store workload of traces
// written in time order.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { toSpanRows } from '@fluoro/model';

const CLI = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));

/** Starts the built `fluoro up` on free loopback ports over `dataDir`; resolves once it is ready. */
export async function startFluoroProcess(dataDir) {
  // BENCH_FLUORO_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the server under load.
  const nodeArgs = (process.env.BENCH_FLUORO_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      CLI,
      'up',
      '--udp',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--otlp',
      '127.0.0.1:0',
      '--otlp-grpc',
      '127.0.0.1:0',
      '--data',
      dataDir,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/fluoro: ready/.test(out)) resolve();
    });
    child.on('exit', () => reject(new Error(`fluoro up exited:\n${out}`)));
  });
  const udp = /listening udp (\S+):(\d+)/.exec(out);
  return {
    child,
    host: udp[1],
    port: Number(udp[2]),
    http: /listening http (\S+)/.exec(out)[1],
    otlp: /listening otlp (\S+)/.exec(out)[1],
  };
}

/**
 * Writes `spans` spans through `store.write` as traces of 10 (a segment and 9 subsegments, one
 * annotation), arriving in time order at 20 traces per second, in batches of 5,000 traces.
 * With `otelEvery: n`, every n-th trace gets an OpenTelemetry-style id instead (W3C ids
 * rewritten to X-Ray form: the "epoch" is 4 random bytes, the same seeded sequence every run),
 * interleaved in time with the X-Ray-id traces. Returns the trace ids (`otel[i]` says which
 * kind `ids[i]` is) and the seconds the writes took (including building the rows).
 */
export async function writeTraceWorkload(store, spans, { otelEvery = 0 } = {}) {
  const perTrace = 10;
  const traces = spans / perTrace;
  const t0 = 1_790_000_000;
  const ids = [];
  const otel = [];
  let seed = 0x9e3779b9;
  const random32 = () => {
    // xorshift32: reproducible random first bytes, so runs compare like with like.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const writeStart = performance.now();
  for (let b = 0; b < traces; b += 5000) {
    const batch = [];
    for (let i = b; i < Math.min(traces, b + 5000); i++) {
      const t = t0 + Math.floor(i / 20);
      const isOtel = otelEvery > 0 && i % otelEvery === otelEvery - 1;
      const head = isOtel ? random32() : t;
      const traceId = `1-${head.toString(16).padStart(8, '0')}-${i.toString(16).padStart(24, '0')}`;
      ids.push(traceId);
      otel.push(isOtel);
      const doc = {
        trace_id: traceId,
        id: (i * 16).toString(16).padStart(16, '0'),
        name: `svc-${i % 7}`,
        start_time: t,
        end_time: t + 0.05,
        annotations: { n: i },
        subsegments: Array.from({ length: perTrace - 1 }, (_, k) => ({
          id: (i * 16 + k + 1).toString(16).padStart(16, '0'),
          name: `op-${k}`,
          start_time: t + k * 0.001,
          end_time: t + k * 0.001 + 0.001,
        })),
      };
      batch.push({
        traceId,
        id: doc.id,
        document: JSON.stringify(doc),
        inProgress: false,
        receivedUs: Date.now() * 1000,
        rows: toSpanRows(doc, 0),
      });
    }
    await store.write(batch);
  }
  return { ids, otel, perTrace, writeSeconds: (performance.now() - writeStart) / 1000 };
}
