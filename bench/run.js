// `npm run bench [name ...]`: every benchmark (or the named ones), each printing its numbers
// beside the peers or baselines measured in the same run. Each bench/*.js also runs on its own.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchIngest } from './ingest.js';
import { benchTraceLookup } from './trace-lookup.js';

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n.toFixed(2)} ms`;

async function ingest() {
  console.log('## UDP ingest (fluoro up, real UDP on loopback, 5 spans per datagram, 3 s per rate)');
  console.log('offered segments/s | stored | lost   | spans/s stored');
  for (const rate of [2_000, 4_000, 8_000, 16_000, 24_000, 32_000]) {
    const r = await benchIngest({ rate, seconds: 3 });
    console.log(
      `${fmt(rate).padStart(18)} | ${fmt(r.written).padStart(6)} | ${r.lossPct.toFixed(1).padStart(5)}% | ${fmt(r.spansPerSec)}`,
    );
  }
  console.log(
    'peer for scale: the X-Ray daemon (its README, t2.micro) forwards 4,000 segments/s at 38% of one vCPU, storing nothing\n',
  );
}

async function lookup() {
  const bigSpans = Number(process.env.BENCH_SPANS ?? 1_000_000);
  const small = (await benchTraceLookup({ spans: 100_000 })).stores.fluoro;
  const big = (await benchTraceLookup({ spans: bigSpans })).stores.fluoro;
  const mixed = (await benchTraceLookup({ spans: bigSpans, otelEvery: 2 })).stores.fluoro;
  const q = (t) => `p50 ${ms(t.p50)}, p99 ${ms(t.p99)}`;
  console.log('## Trace by id (DuckDB store: documents, span rows and annotations of one trace)');
  for (const [spans, r] of [
    [100_000, small],
    [bigSpans, big],
  ]) {
    console.log(
      `${fmt(spans).padStart(10)} spans stored: ${q(r.xray)} (bulk write ${fmt(r.writeSpansPerSec)} spans/s)`,
    );
  }
  console.log(
    `growth of p50 from ${fmt(100_000)} to ${fmt(bigSpans)} spans: ${(big.xray.p50 / small.xray.p50).toFixed(2)}x for ${(bigSpans / 100_000).toFixed(0)}x the data`,
  );
  console.log(
    `${fmt(bigSpans).padStart(10)} spans, half the traces with OpenTelemetry ids: X-Ray ids ${q(mixed.xray)}; OTel ids ${q(mixed.otel)}`,
  );
  console.log(
    '(before/after a store change: BENCH_LOOKUP_BASELINE=<old dist>/index.js node bench/trace-lookup.js)\n',
  );
}

/** Benchmarks that run as their own process and print their own tables. */
function script(file, env = {}) {
  return () => {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL(file, import.meta.url))], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    if (r.status !== 0) console.log(`(${file} exited with status ${r.status})`);
    console.log();
  };
}

const benches = {
  ingest,
  append: script('./duckdb-append.js'),
  lookup,
  otlp: script('./otlp-ingest.js'),
  filter: script('./filter.js'),
  'service-graph': script('./service-graph.js'),
  sdk: script('./sdk.js'),
  console: script('./console-render.js'),
  clickhouse: process.env.FLUORO_BENCH_CLICKHOUSE_URL
    ? script('./clickhouse-store.js')
    : () =>
        console.log(
          '## ClickHouse store\nskipped: set FLUORO_BENCH_CLICKHOUSE_URL to a ClickHouse HTTP URL\n',
        ),
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((n) => !(n in benches));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`,
  );
  process.exit(2);
}
console.log('# Fluoro benchmarks');
console.log(`node ${process.version}, ${cpus().length} cores\n`);
for (const name of chosen.length > 0 ? chosen : Object.keys(benches)) await benches[name]();
