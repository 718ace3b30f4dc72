import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateGroupCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  GetGroupsCommand,
  GetTraceSummariesCommand,
  UpdateGroupCommand,
  XRayClient,
} from '@aws-sdk/client-xray';
import { type SegmentDocument, toSpanRows } from '@fluoro/model';
import { DuckDbStore } from '@fluoro/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../http/router.js';
import { getTraceSummaries } from './get-trace-summaries.js';
import { groupsApi } from './groups.js';

const EPOCH_S = 0x5f000000;
const traceId = (n: number) => `1-${EPOCH_S.toString(16)}-${n.toString(16).padStart(24, '0')}`;

/** One-segment traces: #1 slow (6 s) for alice, #2 fast for bob, #3 slow for bob. */
const SEGMENTS: SegmentDocument[] = [
  [1, 6, 'alice'],
  [2, 1, 'bob'],
  [3, 6, 'bob'],
].map(([n, d, user]) => ({
  trace_id: traceId(n as number),
  id: (n as number).toString(16).padStart(16, '0'),
  name: 'api',
  start_time: EPOCH_S + (n as number),
  end_time: EPOCH_S + (n as number) + (d as number),
  user: user as string,
}));

describe('group API through @aws-sdk/client-xray', () => {
  let store: DuckDbStore;
  let server: Server;
  let xray: XRayClient;

  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    await store.write(
      SEGMENTS.map((s) => ({
        traceId: s.trace_id,
        id: s.id,
        document: JSON.stringify(s),
        inProgress: false,
        receivedUs: 1,
        rows: toSpanRows(s, 1),
      })),
    );
    const g = groupsApi(store);
    const router = new Router()
      .post('/CreateGroup', g.createGroup)
      .post('/GetGroup', g.getGroup)
      .post('/Groups', g.getGroups)
      .post('/UpdateGroup', g.updateGroup)
      .post('/DeleteGroup', g.deleteGroup)
      .post('/TraceSummaries', getTraceSummaries(store, g.lookup));
    server = createServer((req, res) => void router.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    xray = new XRayClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'fluoro', secretAccessKey: 'fluoro' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    xray?.destroy();
    await new Promise((resolve) => server?.close(resolve));
    await store?.close();
  });

  const summaries = async (FilterExpression: string) =>
    (
      await xray.send(
        new GetTraceSummariesCommand({
          StartTime: new Date(EPOCH_S * 1000),
          EndTime: new Date((EPOCH_S + 60) * 1000),
          FilterExpression,
        }),
      )
    ).TraceSummaries?.map((s) => s.Id).sort();

  it('creates, reads, lists, updates and deletes groups, and filters traces by them', async () => {
    const created = await xray.send(
      new CreateGroupCommand({ GroupName: 'slow', FilterExpression: 'responsetime > 5' }),
    );
    expect(created.Group).toMatchObject({ GroupName: 'slow', FilterExpression: 'responsetime > 5' });
    expect(created.Group?.GroupARN).toMatch(/^arn:aws:xray:local:000000000000:group\/slow\/[0-9A-F]{32}$/);

    expect(await summaries('group.name = "slow" AND user = "bob"')).toEqual([traceId(3)]);
    expect(await summaries(`group.arn = "${created.Group?.GroupARN}"`)).toEqual([traceId(1), traceId(3)]);

    const byArn = await xray.send(new GetGroupCommand({ GroupARN: created.Group?.GroupARN }));
    expect(byArn.Group?.GroupName).toBe('slow');
    await xray.send(
      new UpdateGroupCommand({
        GroupName: 'slow',
        FilterExpression: 'responsetime < 5',
        InsightsConfiguration: { InsightsEnabled: true },
      }),
    );
    expect(await summaries('group.name = "slow"')).toEqual([traceId(2)]);
    expect((await xray.send(new GetGroupsCommand({}))).Groups).toEqual([
      {
        GroupName: 'slow',
        GroupARN: created.Group?.GroupARN,
        FilterExpression: 'responsetime < 5',
        InsightsConfiguration: { InsightsEnabled: true, NotificationsEnabled: false },
      },
    ]);

    await xray.send(new DeleteGroupCommand({ GroupName: 'slow' }));
    expect((await xray.send(new GetGroupsCommand({}))).Groups).toEqual([]);
    await expect(summaries('group.name = "slow"')).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: "FilterExpression: no group named 'slow' at column 1",
    });
  });

  it('answers bad requests with 400 InvalidRequestException naming the problem', async () => {
    await xray.send(new CreateGroupCommand({ GroupName: 'dup' }));
    await expect(xray.send(new CreateGroupCommand({ GroupName: 'dup' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: 'Group already exists: dup',
    });
    await expect(
      xray.send(new CreateGroupCommand({ GroupName: 'bad', FilterExpression: 'responsetime > "x"' })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: "FilterExpression: expected a number after 'responsetime >' at column 16",
    });
    await expect(xray.send(new GetGroupCommand({ GroupName: 'missing' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: 'Group not found: missing',
    });
    await expect(summaries('service("a") { fault')).rejects.toMatchObject({
      name: 'InvalidRequestException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
