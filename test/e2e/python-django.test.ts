/**
 * The official Python X-Ray SDK (Debian's python3-aws-xray-sdk) in a Django app sends to a real
 * `fluoro up`; the AWS SDK X-Ray client reads both traces back.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchGetTracesCommand, GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';

const APP = fileURLToPath(new URL('./apps/django_app.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const available =
  existsSync(PYTHON) &&
  (await promisify(execFile)(PYTHON, ['-c', 'import aws_xray_sdk, django']).then(
    () => true,
    () => false,
  ));

describe.skipIf(!requireOrSkip(available, 'python3-aws-xray-sdk and python3-django'))(
  'Django + aws_xray_sdk → fluoro up',
  () => {
    let fluoro: RunningFluoro;
    beforeAll(async () => {
      fluoro = await startFluoro();
    });
    afterAll(() => fluoro?.dispose());

    it('shows the succeeding and the failing request, the decorated subsegment and the exception', async () => {
      const before = new Date(Date.now() - 60_000);
      const { stdout } = await promisify(execFile)(PYTHON, [APP], {
        env: { ...process.env, AWS_XRAY_DAEMON_ADDRESS: fluoro.udpAddress },
      });
      const result = JSON.parse(stdout) as Record<'ok' | 'boom', { status: number; traceId: string }>;
      expect(result.ok.status).toBe(200);
      expect(result.boom.status).toBe(500);
      const xray = fluoro.xray();
      const traces = await eventually(async () => {
        const r = await xray.send(
          new BatchGetTracesCommand({ TraceIds: [result.ok.traceId, result.boom.traceId] }),
        );
        return r.Traces?.length === 2 ? r.Traces : undefined;
      });
      const byId = new Map(traces.map((t) => [t.Id, JSON.parse(t.Segments![0]!.Document!)]));
      const ok = byId.get(result.ok.traceId);
      expect(ok.name).toBe('django-backend');
      expect(ok.http.response.status).toBe(200);
      expect(ok.http.request.url).toBe('http://testserver/items/');
      expect(ok.annotations).toEqual({ tenant: 'acme' });
      expect(ok.subsegments.map((s: { name: string }) => s.name)).toEqual(['load-items']);
      expect(ok.subsegments[0].namespace).toBe('local');
      const boom = byId.get(result.boom.traceId);
      expect(boom.fault).toBe(true);
      expect(boom.http.response.status).toBe(500);
      expect(boom.cause.exceptions[0]).toMatchObject({ type: 'ValueError', message: 'kaboom' });
      expect(boom.cause.exceptions[0].stack.length).toBeGreaterThan(0);

      const summaries = await xray.send(
        new GetTraceSummariesCommand({ StartTime: before, EndTime: new Date(Date.now() + 60_000) }),
      );
      const s = new Map(summaries.TraceSummaries!.map((t) => [t.Id, t]));
      expect(s.get(result.ok.traceId)).toMatchObject({
        HasFault: false,
        Http: { HttpStatus: 200, HttpMethod: 'GET' },
      });
      expect(s.get(result.boom.traceId)).toMatchObject({ HasFault: true, Http: { HttpStatus: 500 } });
    });
  },
);
