// Ingest benchmark: datagrams over real UDP into a real `fluoro up`, counted once stored.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFluoroProcess } from './workload.js';

const HEADER = '{"format":"json","version":1}\n';
export const SPANS_PER_DOC = 5;

/** The `i`-th segment document of the ingest benchmarks, started at `t` (epoch seconds): 5 spans. */
export function benchDocument(i, t) {
  const hex = (n, w) => n.toString(16).padStart(w, '0');
  const traceId = `1-${hex(t, 8)}-${hex(i, 24)}`;
  const subs = Array.from({ length: SPANS_PER_DOC - 1 }, (_, k) => ({
    id: hex(i * 8 + k + 1, 16),
    name: `step-${k}`,
    start_time: t + k * 0.001,
    end_time: t + k * 0.001 + 0.0009,
    namespace: k === 0 ? 'remote' : undefined,
    annotations: k === 1 ? { tenant: `t${i % 50}` } : undefined,
  }));
  return {
    trace_id: traceId,
    id: hex(i * 8, 16),
    name: 'bench-api',
    start_time: t,
    end_time: t + 0.01,
    http: { request: { method: 'GET', url: `http://bench/items/${i % 100}` }, response: { status: 200 } },
    subsegments: subs,
  };
}

function datagram(i, t) {
  return Buffer.from(HEADER + JSON.stringify(benchDocument(i, t)));
}

/** Offers `rate` datagrams per second for `seconds`, returns what was stored, the loss and spans/s. */
export async function benchIngest({ rate, seconds: duration }) {
  const count = rate * duration;
  const burst = Math.max(1, Math.round(rate / 100));
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-'));
  const f = await startFluoroProcess(dir);
  const sock = createSocket('udp4');
  const t = Math.floor(Date.now() / 1000);
  const stats = async () => (await (await fetch(`${f.http}/api/stats`)).json()).ingest;
  const started = performance.now();
  for (let i = 0; i < count; i += burst) {
    await Promise.all(
      Array.from(
        { length: Math.min(burst, count - i) },
        (_, k) => new Promise((resolve) => sock.send(datagram(i + k + 1, t), f.port, f.host, resolve)),
      ),
    );
    // Pace: burst i is due at i/rate seconds after the start.
    const due = started + ((i + burst) / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  let s = await stats();
  let last = -1;
  while (s.written !== last || s.written < s.accepted) {
    last = s.written;
    await new Promise((r) => setTimeout(r, 200));
    s = await stats();
  }
  const seconds = (performance.now() - started) / 1000;
  sock.close();
  f.child.kill('SIGTERM');
  await new Promise((r) => f.child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return {
    sent: count,
    written: s.written,
    lossPct: (100 * (count - s.written)) / count,
    spansPerSec: (s.written * SPANS_PER_DOC) / seconds,
    docsPerSec: s.written / seconds,
  };
}
