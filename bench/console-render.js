// Console benchmark: time to first render of a 10,000- and a 50,000-subsegment trace in headless
// Chromium (Debian's, through playwright-core), against a real `fluoro up`. Reports the API's own
// BatchGetTraces time beside it, so the browser's share (parse, timeline build, first paint) shows.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFluoroProcess } from './workload.js';

const CHROMIUM = '/usr/bin/chromium';
const RUNS = 3;

/** One segment and `n` independent subsegments, uploaded with PutTraceSegments in batches. */
async function sendTrace(http, n) {
  const now = Date.now() / 1000;
  const traceId = `1-${Math.floor(now).toString(16)}-${randomBytes(12).toString('hex')}`;
  const id = randomBytes(8).toString('hex');
  const start = now - 30;
  const docs = [
    JSON.stringify({ trace_id: traceId, id, name: 'bench', start_time: start, end_time: start + 20 }),
  ];
  for (let i = 0; i < n; i++) {
    const t = start + (i * 20) / n;
    docs.push(
      JSON.stringify({
        type: 'subsegment',
        trace_id: traceId,
        parent_id: id,
        id: randomBytes(8).toString('hex'),
        name: `row-${i}`,
        start_time: t,
        end_time: t + 10 / n,
      }),
    );
  }
  for (let i = 0; i < docs.length; i += 2000) {
    const r = await fetch(`${http}/TraceSegments`, {
      method: 'POST',
      body: JSON.stringify({ TraceSegmentDocuments: docs.slice(i, i + 2000) }),
    });
    if (!r.ok) throw new Error(`PutTraceSegments: ${r.status}`);
  }
  // Written and assembled: the first answer that has every subsegment.
  for (;;) {
    const t = await getTrace(http, traceId);
    const doc = t?.Segments?.[0] ? JSON.parse(t.Segments[0].Document) : undefined;
    if (doc?.subsegments?.length === n) return traceId;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function getTrace(http, id) {
  const r = await fetch(`${http}/Traces`, { method: 'POST', body: JSON.stringify({ TraceIds: [id] }) });
  return (await r.json()).Traces?.[0];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Prints the console's render times; skipped (with a line saying so) without Chromium. */
export async function runConsoleBench() {
  console.log('## Console: time to first render of a big trace (headless Chromium, 1280x800)');
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: ${CHROMIUM} is not installed\n`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-console-'));
  const f = await startFluoroProcess(dir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    console.log(
      'subsegments | BatchGetTraces (API) | first rows on screen (navigation start →) | scroll to last row',
    );
    for (const n of [10_000, 50_000]) {
      const id = await sendTrace(f.http, n);
      const api = [];
      const render = [];
      const scroll = [];
      for (let run = 0; run < RUNS; run++) {
        const t0 = performance.now();
        await getTrace(f.http, id);
        api.push(performance.now() - t0);
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(`${f.http}/trace/${id}`);
        await page.waitForSelector('[data-row-index="1"]', { timeout: 120_000 });
        render.push(await page.evaluate(() => performance.now()));
        const s0 = performance.now();
        await page.getByTestId('timeline-body').evaluate((el) => {
          el.scrollTop = el.scrollHeight;
        });
        await page.waitForSelector(`[data-row-index="${n}"]`);
        scroll.push(performance.now() - s0);
        await page.close();
      }
      console.log(
        `${n.toLocaleString('en-US').padStart(11)} | ${median(api).toFixed(0).padStart(17)} ms | ${median(render).toFixed(0).padStart(38)} ms | ${median(scroll).toFixed(0).padStart(15)} ms`,
      );
    }
    console.log(`(medians of ${RUNS} runs; rows are virtualised, so scrolling costs the same at any size)\n`);
  } finally {
    await browser.close();
    f.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runConsoleBench();
