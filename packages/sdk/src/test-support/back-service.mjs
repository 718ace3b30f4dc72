// A second instrumented service, in its own process with its own recorder: plain Node `http`
// with the built SDK. Prints `listening PORT`. Used by e2e.test.ts.
import { createServer } from 'node:http';
import { capture, configure, traceHttp } from '../../dist/index.js';

configure({
  name: 'inventory',
  daemonAddress: process.env.FLUORO_UDP,
  sampling: { rules: { version: 2, rules: [], default: { fixed_target: 0, rate: 1 } }, centralized: false },
});
const server = createServer(
  traceHttp(async (_req, res) => {
    const count = await capture('inventory.lookup', async (sub) => {
      sub.addAnnotation('sku', 'A-1');
      return 3;
    });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ count }));
  }),
);
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
