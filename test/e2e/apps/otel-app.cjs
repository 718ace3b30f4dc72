// A service instrumented with the real OpenTelemetry JS SDK and its HTTP instrumentation,
// exporting to Fluoro with the exporter named by argv: `otlp-json`, `otlp-proto`, `otlp-grpc`
// or `zipkin`.
//   node otel-app.cjs SERVICE EXPORTER ENDPOINT [DOWNSTREAM_URL]
// GET /work?fail=1 makes an INTERNAL span (with an exception when failing) and, when
// DOWNSTREAM_URL is given, calls it with http.get (a CLIENT span carrying
// traceparent); it answers {traceId} with 200, or 500 when asked to fail. POST /flush exports
// what is pending and answers 204.
const [service, exporterName, endpoint, downstream] = process.argv.slice(2);

const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

function makeExporter() {
  if (exporterName === 'otlp-json') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url: endpoint });
  }
  if (exporterName === 'otlp-grpc') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
    return new OTLPTraceExporter({ url: endpoint, compression: 'gzip' });
  }
  if (exporterName === 'otlp-proto') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter({ url: endpoint, compression: 'gzip' });
  }
  const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin');
  return new ZipkinExporter({ url: endpoint });
}

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.0.1' }),
  spanProcessors: [new SimpleSpanProcessor(makeExporter())],
});
provider.register();
registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation()] });

const http = require('node:http');
const { trace } = require('@opentelemetry/api');
const tracer = trace.getTracer('otel-app');

function callDownstream() {
  return new Promise((resolve, reject) => {
    http
      .get(`${downstream}/work`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'POST' && url.pathname === '/flush') {
    await provider.forceFlush();
    res.writeHead(204).end();
    return;
  }
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
  const fail = url.searchParams.get('fail') === '1';
  await tracer.startActiveSpan('load-cart', async (span) => {
    span.setAttribute('cart.items', 3);
    span.setAttribute('tenant', 'acme');
    span.setAttribute('tags', ['a', 'b']);
    if (fail) {
      const error = new Error('cart store unreachable');
      span.recordException(error);
      span.setStatus({ code: 2, message: 'cart store unreachable' });
    }
    span.end();
  });
  if (downstream) await callDownstream();
  res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ traceId }));
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
