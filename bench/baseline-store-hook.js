// Makes `@fluoro/store` resolve to an earlier build, for before/after runs of the benchmarks
// that start a real `fluoro up` (ingest.js, otlp-ingest.js):
//   BENCH_STORE_BASELINE=<copy of an earlier packages/store/dist>/index.js \
//   BENCH_FLUORO_NODE_ARGS="--import ./bench/baseline-store-hook.js" node bench/run.js ingest
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const baseline = process.env.BENCH_STORE_BASELINE;
if (!baseline) throw new Error('BENCH_STORE_BASELINE: the index.js of the store build to use');
const url = pathToFileURL(resolve(baseline)).href;
register(
  `data:text/javascript,${encodeURIComponent(`export async function resolve(specifier, context, next) {
  if (specifier === '@fluoro/store') return { url: ${JSON.stringify(url)}, shortCircuit: true };
  return next(specifier, context);
}`)}`,
);
