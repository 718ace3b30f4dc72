#!/usr/bin/env node
import { demo, parseDemoOptions } from './demo.js';
import { trace, traces } from './query-commands.js';
import { up } from './up.js';
import { parseUpOptions } from './up-options.js';
import { UsageError } from './usage-error.js';

const USAGE = `usage: fluoro <command> [options]

commands:
  up      run ingest, store and API in one process (see docs/cli.md)
          --udp HOST:PORT|off   (FLUORO_UDP, default 127.0.0.1:2000)
          --http HOST:PORT      (FLUORO_HTTP, default 127.0.0.1:2000; also OTLP and Zipkin)
          --otlp HOST:PORT|off  (FLUORO_OTLP, OTLP/HTTP's own port, default 127.0.0.1:4318)
          --otlp-grpc HOST:PORT|off  (FLUORO_OTLP_GRPC, OTLP/gRPC, default 127.0.0.1:4317)
          --data DIR            (FLUORO_DATA, default ./.fluoro)
          --store duckdb|clickhouse  --clickhouse-url URL  --clickhouse-cluster NAME
          --clickhouse-database DB  --retention-days N  --role all|collector|api  (FLUORO_ROLE)
          --memory-limit SIZE   (FLUORO_MEMORY_LIMIT, DuckDB memory limit, default 1GB)
          --queue-size N        (FLUORO_QUEUE_SIZE, documents waiting for the store, default 100000)
          --sampling-rate F  --sampling-reservoir N  (set and store the Default sampling rule; default every request)
          --auth-token-file PATH  (or FLUORO_AUTH_TOKEN: the query API and console then need it; one token a line, read again on SIGHUP)
                                (a line "read-only TOKEN", or FLUORO_READ_ONLY_TOKEN: reads only, no rule, group or ingest changes)
          --ingest-auth         (FLUORO_INGEST_AUTH=1, needs a token: OTLP, Zipkin and PutTraceSegments need it too; UDP and sampling stay open)
          --allow-remote        (FLUORO_ALLOW_REMOTE=1: bind beyond loopback without a token, behind a proxy)
  traces  list recent traces, newest first
          --since 1h  --filter 'EXPR'  --limit 20  --url URL (FLUORO_URL, default http://127.0.0.1:2000)
          --auth-token-file PATH  (or FLUORO_AUTH_TOKEN, sent as Authorization: Bearer)
  trace   show one trace as a timeline: fluoro trace TRACE_ID [--json] [--url URL] [--auth-token-file PATH]
  demo    run a small traced shop (three services and a worker) and send it traffic, for something to browse
          --daemon-address HOST:PORT  (AWS_XRAY_DAEMON_ADDRESS, default 127.0.0.1:2000)
          --rate N  (requests/s, default 5)  --duration S  (default 0: until Ctrl-C)
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'up') return up(parseUpOptions(rest, process.env));
  if (command === 'traces') return traces(rest, process.env);
  if (command === 'trace') return trace(rest, process.env);
  if (command === 'demo') return demo(parseDemoOptions(rest, process.env));
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e: Error & { code?: string }) => {
  console.error(`fluoro: ${e.message}`);
  const usage = e instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS');
  process.exit(usage ? 2 : 1);
});
