// Two services instrumented with the official aws-xray-sdk-core, calling each other over HTTP,
// for the console's browser tests: `frontend` calls `orders`, which runs a `db-query`. Each
// service is its own process (the SDK's segment name is process-wide), the frontend forks orders.
// Env: AWS_XRAY_DAEMON_ADDRESS. Prints "listening PORT" (the frontend's port).
const AWSXRay = require('aws-xray-sdk-core');
const xrayExpress = require('aws-xray-sdk-express');
const http = AWSXRay.captureHTTPs(require('node:http'));
const express = require('express4');

AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
AWSXRay.middleware.setSamplingRules({ version: 2, rules: [], default: { fixed_target: 100, rate: 1 } });
AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });

const XSS = '<img src=x onerror=alert(1)>';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let ordersPort = 0;
const get = (path) =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: ordersPort, path }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode));
      })
      .on('error', reject);
  });

const frontend = express();
frontend.use(xrayExpress.openSegment('frontend'));
frontend.get('/checkout', async (req, res) => {
  const segment = AWSXRay.getSegment();
  segment.addAnnotation('tenant', String(req.query.tenant ?? 'acme'));
  segment.setUser(String(req.query.user ?? 'alice'));
  await AWSXRay.captureAsyncFunc('validate-cart', async (sub) => {
    await sleep(10);
    sub.close();
  });
  const status = await get('/orders');
  res.status(status === 200 ? 200 : 502).json({ traceId: segment.trace_id });
});
frontend.get('/fail', async (_req, res) => {
  const segment = AWSXRay.getSegment();
  await get('/orders?fail=1');
  res.status(500).json({ traceId: segment.trace_id });
});
frontend.get('/missing', (_req, res) => {
  res.status(404).json({ traceId: AWSXRay.getSegment().trace_id });
});
frontend.get('/xss', async (_req, res) => {
  const segment = AWSXRay.getSegment();
  await AWSXRay.captureAsyncFunc(XSS, async (sub) => {
    sub.addAnnotation('note', XSS);
    sub.addMetadata('html', XSS);
    await sleep(5);
    sub.close();
  });
  res.json({ traceId: segment.trace_id });
});
frontend.use(xrayExpress.closeSegment());

if (process.env.ROLE === 'orders') {
  const orders = express();
  orders.use(xrayExpress.openSegment('orders'));
  orders.get('/orders', async (req, res, next) => {
    try {
      await AWSXRay.captureAsyncFunc('db-query', async (sub) => {
        sub.addAnnotation('table', 'orders');
        sub.addMetadata('query', 'SELECT * FROM orders WHERE cart = $1');
        await sleep(30);
        if (req.query.fail) {
          const err = new Error('orders database is down');
          sub.close(err);
          throw err;
        }
        sub.close();
      });
      res.json({ ok: true });
    } catch (e) {
      next(e);
    }
  });
  orders.use(xrayExpress.closeSegment());
  orders.use((err, _req, res, _next) => res.status(500).json({ error: err.message }));
  const o = orders.listen(0, '127.0.0.1', () => process.send({ port: o.address().port }));
  process.on('disconnect', () => process.exit(0));
} else {
  const child = require('node:child_process').fork(__filename, [], {
    env: { ...process.env, ROLE: 'orders' },
  });
  child.on('message', (m) => {
    ordersPort = m.port;
    const f = frontend.listen(0, '127.0.0.1', () => console.log(`listening ${f.address().port}`));
  });
  process.on('SIGTERM', () => {
    child.kill();
    process.exit(0);
  });
}
