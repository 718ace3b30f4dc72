// Two services instrumented with the official aws-xray-sdk-core, exactly as its docs show, for
// the service-graph e2e test. Run as `node service-graph-app.cjs orders` or
// `node service-graph-app.cjs api ORDERS_URL PARTNER_URL`.
// Env: AWS_XRAY_DAEMON_ADDRESS (Fluoro's UDP and TCP address). Prints "listening PORT".
//
// - orders: GET /order answers 200, or 500 with ?fail=1.
// - shop-api: GET /checkout?mode=ok|fault|throttle calls orders (over http, traced with
//   captureHTTPsGlobal), runs a query on the local Postgres (capturePostgres), then calls the
//   uninstrumented partner host; it answers 500 when orders failed, 429 when the partner
//   throttled, else 200, with the trace id in the body.
const http = require('node:http');
const AWSXRay = require('aws-xray-sdk-core');
const xrayExpress = require('aws-xray-sdk-express');
const express = require('express4');

const [role, ordersUrl, partnerUrl] = process.argv.slice(2);

AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
// Trace every request: the test counts every one of them.
AWSXRay.middleware.setSamplingRules({ version: 2, rules: [], default: { fixed_target: 100, rate: 1 } });
AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });

const app = express();

if (role === 'orders') {
  app.use(xrayExpress.openSegment('orders'));
  app.get('/order', (req, res) => {
    setTimeout(() => res.status(req.query.fail ? 500 : 200).json({ ok: !req.query.fail }), 5);
  });
} else {
  AWSXRay.captureHTTPsGlobal(http, true);
  const capturePostgres = require('aws-xray-sdk-postgres');
  const pg = capturePostgres(require('pg'));
  const pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', max: 2 });
  const get = (url) =>
    new Promise((resolve, reject) => {
      http
        .get(url, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        })
        .on('error', reject);
    });
  app.use(xrayExpress.openSegment('shop-api'));
  app.get('/checkout', async (req, res) => {
    const traceId = AWSXRay.getSegment().trace_id;
    const mode = req.query.mode;
    const orders = await get(`${ordersUrl}/order${mode === 'fault' ? '?fail=1' : ''}`);
    await pool.query('SELECT pg_sleep(0.002)');
    const partner = await get(`${partnerUrl}/quote${mode === 'throttle' ? '?throttle=1' : ''}`);
    const status = orders >= 500 ? 500 : partner === 429 ? 429 : 200;
    res.status(status).json({ traceId, orders, partner });
  });
}

app.use(xrayExpress.closeSegment());
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
