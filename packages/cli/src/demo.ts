import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { parseArgs } from 'node:util';
import {
  addAnnotation,
  capture,
  configure,
  flush,
  formatXRayHeader,
  getCurrent,
  parseXRayHeader,
  setUser,
  shutdown,
  subsegment,
  traceHttp,
  traceSegment,
} from '@fluoro/sdk';
import { UsageError } from './usage-error.js';

/** What `fluoro demo` was asked for. */
export interface DemoOptions {
  /** Where segments go: Fluoro's UDP address, as `AWS_XRAY_DAEMON_ADDRESS` would give it. */
  daemonAddress: string;
  /** Shop requests per second. */
  rate: number;
  /** Seconds to run; 0 runs until interrupted. */
  durationS: number;
}

export function parseDemoOptions(argv: string[], env: NodeJS.ProcessEnv): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'daemon-address': { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
    },
    strict: true,
  });
  const daemonAddress = values['daemon-address'] ?? env['AWS_XRAY_DAEMON_ADDRESS'] ?? '127.0.0.1:2000';
  const rate = Number(values.rate ?? 5);
  const durationS = Number(values.duration ?? 0);
  if (!(rate > 0 && rate <= 1000))
    throw new UsageError(`--rate must be between 0 and 1000, not ${values.rate}`);
  if (!(durationS >= 0))
    throw new UsageError(`--duration must be seconds (0: until Ctrl-C), not ${values.duration}`);
  return { daemonAddress, rate, durationS };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** A card the payment gateway refuses: recorded as an error (402), not a fault. */
class CardDeclined extends Error {
  override name = 'CardDeclined';
}
/** The gateway not answering: a fault (500) with this exception as its cause. */
class GatewayTimeout extends Error {
  override name = 'GatewayTimeout';
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * A service: its handler traced as segment `name`. A failure is recorded on the request's
 * segment (a fault, with the exception as its cause) and answered 500, as an app's error
 * handler would, instead of becoming an unhandled rejection.
 */
async function service(name: string, handler: Handler): Promise<Server> {
  const guarded: Handler = async (req, res) => {
    try {
      await handler(req, res);
    } catch (e) {
      getCurrent().addError(e);
      if (!res.headersSent) send(res, 500, { error: (e as Error).message });
    }
  };
  const server = createServer(traceHttp(guarded, { name }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** A `lookup` for http.request that finds every name on loopback (Node asks for all addresses). */
const toLoopback: LookupFunction = (_host, options, callback) => {
  if (options.all)
    (callback as (e: null, all: LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/**
 * A call to another demo service by its name, as a service would call `http://catalog/...` in a
 * real deployment: the name is the host (so the `remote` subsegment is named after it) and the
 * lookup is pinned to loopback, where the service listens.
 */
function call(
  host: string,
  server: Server,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: portOf(server), path, method, lookup: toLoopback }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * `fluoro demo`: a small shop of three services traced with @fluoro/sdk, in this process, and
 * traffic to it, so a fresh Fluoro has traces to browse. `shop-frontend` calls `catalog` and
 * `payments` over HTTP (one trace across the three), `payments` calls a card processor that is
 * not traced, each order becomes an `email-worker` job in the same trace, and some requests
 * are slow, declined (error) or failing (fault).
 */
export async function demo(options: DemoOptions): Promise<void> {
  configure({
    name: 'shop-frontend',
    daemonAddress: options.daemonAddress,
    // Every request: a demo should show each one. Real services keep X-Ray's default.
    sampling: { rules: { version: 2, rules: [], default: { fixed_target: 1, rate: 1 } }, centralized: false },
  });

  const catalog = await service('catalog', async (req, res) => {
    const id = req.url?.split('/').pop() ?? '0';
    // Now and then the query misses the cache and takes a while.
    const rows = await capture('SELECT item', async (sub) => {
      sub.addMetadata('sql', `SELECT * FROM items WHERE id = ${Number(id)}`);
      await sleep(Math.random() < 0.1 ? 150 + Math.random() * 250 : 2 + Math.random() * 15);
      return [{ id, name: `item ${id}`, price: 5 + (Number(id) % 40) }];
    });
    send(res, 200, rows[0]);
  });

  // A card processor outside the shop: not traced, so BatchGetTraces shows it as the segment
  // X-Ray infers from the call.
  const cards = createServer((_req, res) => {
    setTimeout(() => send(res, 200, { authorized: true }), 15 + Math.random() * 50);
  });
  await new Promise<void>((resolve) => cards.listen(0, '127.0.0.1', resolve));

  const payments = await service('payments', async (_req, res) => {
    try {
      await capture('charge card', async () => {
        await call('cards.example', cards, '/authorize', 'POST');
        const roll = Math.random();
        if (roll < 0.03) throw new GatewayTimeout('payment gateway did not answer in 30 s');
        if (roll < 0.1) throw new CardDeclined('card ending 4242 declined: insufficient funds');
      });
      send(res, 200, { charged: true });
    } catch (e) {
      if (!(e instanceof CardDeclined)) throw e;
      send(res, 402, { error: e.message });
    }
  });

  const emailJob = (traceHeader: string | undefined, order: number) =>
    traceSegment(
      'email-worker',
      async (segment) => {
        segment.addAnnotation('order', order);
        await capture('render receipt', () => sleep(3 + Math.random() * 5));
        await capture('smtp send', () => sleep(10 + Math.random() * 30));
      },
      { traceContext: parseXRayHeader(traceHeader) },
    );

  let orders = 0;
  const frontend = await service('shop-frontend', async (req, res) => {
    const user = `customer-${Math.floor(Math.random() * 40)}`;
    setUser(user);
    addAnnotation('tier', pick(['free', 'free', 'silver', 'gold']));
    const item = 1 + Math.floor(Math.random() * 60);
    if (req.url?.startsWith('/products/')) {
      const product = await call('catalog', catalog, `/items/${item}`);
      send(res, 200, JSON.parse(product.body));
      return;
    }
    // Checkout: look the item up, charge, and queue the receipt e-mail.
    await call('catalog', catalog, `/items/${item}`);
    const charge = await call('payments', payments, '/charges', 'POST');
    if (charge.status >= 500) throw new Error(`payments answered ${charge.status}`);
    if (charge.status !== 200) {
      send(res, 402, { error: 'payment declined' });
      return;
    }
    const order = ++orders;
    addAnnotation('order', order);
    // Queue the e-mail: the send is a remote call, and the job that takes the message joins
    // this trace under it, as a queue consumer given the message's trace header would.
    const enqueue = subsegment('email-queue', 'remote');
    const header = formatXRayHeader(enqueue.traceId, enqueue.id, true);
    setTimeout(() => void emailJob(header, order), 5);
    enqueue.close();
    send(res, 201, { order });
  });

  console.log(
    `fluoro demo: shop-frontend http://127.0.0.1:${portOf(frontend)}, catalog, payments and email-worker sending to ${options.daemonAddress}, ${options.rate} requests/s${options.durationS ? ` for ${options.durationS} s` : ' (Ctrl-C stops)'}`,
  );
  let sent = 0;
  const timer = setInterval(() => {
    sent++;
    const path = Math.random() < 0.6 ? `/products/${1 + (sent % 40)}` : '/checkout';
    call('shop.example', frontend, path, path === '/checkout' ? 'POST' : 'GET').catch(() => {});
  }, 1000 / options.rate);

  await new Promise<void>((resolve) => {
    if (options.durationS > 0) setTimeout(resolve, options.durationS * 1000);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  // Let requests in flight and their e-mail jobs finish, then send what is left.
  await sleep(800);
  await flush();
  await shutdown();
  for (const s of [frontend, catalog, payments, cards]) s.close();
  console.log(`fluoro demo: sent ${sent} requests; browse them at the console or with \`fluoro traces\``);
}
