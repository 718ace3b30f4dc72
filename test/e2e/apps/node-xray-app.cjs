// A small Express app instrumented with the official aws-xray-sdk-core, exactly as its docs show.
// Env: AWS_XRAY_DAEMON_ADDRESS (Fluoro's UDP and TCP address). Prints "listening PORT".
const AWSXRay = require('aws-xray-sdk-core');
const xrayExpress = require('aws-xray-sdk-express');
const express = require('express4');

AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
// Trace every request: the test checks every one of them. With FLUORO_TEST_CENTRALIZED=1 the
// SDK keeps its defaults and asks Fluoro (the daemon address) for the sampling rules instead.
if (process.env.FLUORO_TEST_CENTRALIZED !== '1') {
  AWSXRay.middleware.setSamplingRules({ version: 2, rules: [], default: { fixed_target: 100, rate: 1 } });
}
AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
// The SDK fetches centralized rules every 5 minutes. FLUORO_TEST_RULE_POLL_MS runs that same
// fetch (the SDK's own rule poller) more often, so a test sees a rule change without waiting.
const rulePollMs = Number(process.env.FLUORO_TEST_RULE_POLL_MS || 0);
if (rulePollMs > 0) {
  setInterval(() => AWSXRay.middleware.sampler.rulePoller.start(), rulePollMs).unref();
}

const app = express();
app.use(xrayExpress.openSegment('storefront'));

app.get('/ok', async (_req, res) => {
  const segment = AWSXRay.getSegment();
  segment.setUser('alice');
  segment.addAnnotation('tenant', 'acme');
  segment.addAnnotation('cart_items', 3);
  segment.addAnnotation('premium', true);
  segment.addMetadata('request', { path: '/ok' }, 'app');
  await AWSXRay.captureAsyncFunc('load-cart', async (sub) => {
    sub.addAnnotation('cart_id', 'c-42');
    sub.addMetadata('items', [1, 2, 3]);
    await AWSXRay.captureAsyncFunc('price-items', async (inner) => {
      await new Promise((r) => setTimeout(r, 20));
      inner.close();
    });
    sub.close();
  });
  res.json({ traceId: segment.trace_id });
});

// Says whether the SDK sampled this request; the test also checks what reached Fluoro.
app.get('/quiet', (_req, res) => {
  const segment = AWSXRay.getSegment();
  res.json({ traceId: segment.trace_id, sampled: !segment.notTraced });
});

app.get('/boom', async (_req, _res, next) => {
  const segment = AWSXRay.getSegment();
  try {
    await AWSXRay.captureAsyncFunc('charge-card', async (sub) => {
      const err = new Error('card declined');
      sub.close(err);
      throw err;
    });
  } catch (e) {
    e.traceId = segment.trace_id;
    next(e);
  }
});

app.use(xrayExpress.closeSegment());
app.use((err, _req, res, _next) => res.status(500).json({ traceId: err.traceId, error: err.message }));

const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
