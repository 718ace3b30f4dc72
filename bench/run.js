// `npm run bench`: every benchmark, with the comparison measured in the same run.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchIngest } from './ingest.js';
import { benchTraceLookup } from './trace-lookup.js';

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n.toFixed(2)} ms`;

console.log('# Fluoro benchmarks');
console.log(`node ${process.version}, ${cpus().length} cores\n`);

console.log('## UDP ingest (fluoro up, real UDP on loopback, 5 spans per datagram, 3 s per rate)');
console.log('offered segments/s | stored | lost   | spans/s stored');
for (const rate of [1_000, 2_000, 4_000, 8_000, 16_000]) {
  const r = await benchIngest({ rate, seconds: 3 });
  console.log(
    `${fmt(rate).padStart(18)} | ${fmt(r.written).padStart(6)} | ${r.lossPct.toFixed(1).padStart(5)}% | ${fmt(r.spansPerSec)}`,
  );
}
console.log(
  'peer for scale: the X-Ray daemon (its README, t2.micro) forwards 4,000 segments/s at 38% of one vCPU, storing nothing\n',
);

const small = await benchTraceLookup({ spans: 100_000 });
const lookup = await benchTraceLookup({ spans: Number(process.env.BENCH_SPANS ?? 1_000_000) });
console.log('## Trace by id (DuckDB store: documents, span rows and annotations of one trace)');
for (const r of [small, lookup]) {
  console.log(
    `${fmt(r.spans).padStart(10)} spans stored: p50 ${ms(r.fluoro.p50)}, p99 ${ms(r.fluoro.p99)} (bulk write ${fmt(r.writeSpansPerSec)} spans/s)`,
  );
}
console.log(
  `growth of p50 from ${fmt(small.spans)} to ${fmt(lookup.spans)} spans: ${(lookup.fluoro.p50 / small.fluoro.p50).toFixed(2)}x for ${(lookup.spans / small.spans).toFixed(0)}x the data\n`,
);

if (existsSync(new URL('./sdk.js', import.meta.url))) {
  const { runSdkBench } = await import('./sdk.js');
  await runSdkBench();
}

const { runConsoleBench } = await import('./console-render.js');
await runConsoleBench();
