import { randomBytes } from 'node:crypto';
import { type GroupLookup, toGroupLookup } from '@fluoro/query';
import type { GroupRecord, Store } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { asObject, optionalString } from '../http/read-input.js';
import { parseFilterOrThrow } from './get-trace-summaries.js';

/** Account and region in the ARNs Fluoro makes up (as for sampling rules). */
const ARN_PREFIX = 'arn:aws:xray:local:000000000000:group';
const MAX_NAME_LENGTH = 32;

/**
 * X-Ray's group API (CreateGroup, GetGroup, GetGroups, UpdateGroup, DeleteGroup) over the
 * store's groups, plus `lookup` for the APIs that expand `group.name` / `group.arn` in filter
 * expressions. A group's filter expression is checked when saved (a 400 names the column);
 * groups referenced inside it must exist. Wire as:
 *   .post('/CreateGroup', g.createGroup).post('/GetGroup', g.getGroup).post('/Groups', g.getGroups)
 *   .post('/UpdateGroup', g.updateGroup).post('/DeleteGroup', g.deleteGroup)
 * and pass `g.lookup` to getTraceSummaries.
 */
export function groupsApi(store: Store) {
  const lookup = async (): Promise<GroupLookup> => toGroupLookup(await store.listGroups());
  const checkExpression = async (expression: string) => {
    if (expression.trim() !== '') parseFilterOrThrow(expression, await lookup());
  };
  const find = async (o: Record<string, unknown>): Promise<GroupRecord> => {
    const name = optionalString(o, 'GroupName');
    const arn = optionalString(o, 'GroupARN');
    if (name === undefined && arn === undefined) throw invalidRequest('GroupName or GroupARN is required');
    const group =
      name !== undefined ? await store.getGroup(name) : (await store.listGroups()).find((g) => g.arn === arn);
    if (!group || (arn !== undefined && group.arn !== arn)) {
      throw invalidRequest(`Group not found: ${name ?? arn}`);
    }
    return group;
  };

  return {
    lookup,
    createGroup: async ({ body }: { body: unknown }) => {
      const o = asObject(body);
      const name = optionalString(o, 'GroupName');
      if (name === undefined || name.length < 1 || name.length > MAX_NAME_LENGTH) {
        throw invalidRequest(`GroupName must be 1 to ${MAX_NAME_LENGTH} characters`);
      }
      if (name === 'Default') throw invalidRequest('Default is a reserved group name');
      if (await store.getGroup(name)) throw invalidRequest(`Group already exists: ${name}`);
      const filterExpression = optionalString(o, 'FilterExpression') ?? '';
      await checkExpression(filterExpression);
      const group: GroupRecord = {
        name,
        arn: `${ARN_PREFIX}/${name}/${randomBytes(16).toString('hex').toUpperCase()}`,
        filterExpression,
        ...insights(o, { insightsEnabled: false, notificationsEnabled: false }),
      };
      await store.putGroup(group);
      return { Group: toApiGroup(group) };
    },
    getGroup: async ({ body }: { body: unknown }) => ({ Group: toApiGroup(await find(asObject(body))) }),
    getGroups: async () => ({ Groups: (await store.listGroups()).map(toApiGroup) }),
    updateGroup: async ({ body }: { body: unknown }) => {
      const o = asObject(body);
      const group = await find(o);
      const filterExpression = optionalString(o, 'FilterExpression') ?? group.filterExpression;
      await checkExpression(filterExpression);
      const updated: GroupRecord = { ...group, filterExpression, ...insights(o, group) };
      await store.putGroup(updated);
      return { Group: toApiGroup(updated) };
    },
    deleteGroup: async ({ body }: { body: unknown }) => {
      await store.deleteGroup((await find(asObject(body))).name);
      return {};
    },
  };
}

function insights(
  o: Record<string, unknown>,
  current: Pick<GroupRecord, 'insightsEnabled' | 'notificationsEnabled'>,
): Pick<GroupRecord, 'insightsEnabled' | 'notificationsEnabled'> {
  const c = o['InsightsConfiguration'];
  if (c === undefined || c === null) return { ...current };
  const cfg = asObject(c);
  const flag = (key: string, was: boolean) => {
    const v = cfg[key];
    if (v === undefined || v === null) return was;
    if (typeof v !== 'boolean') throw invalidRequest(`InsightsConfiguration.${key} must be a boolean`);
    return v;
  };
  return {
    insightsEnabled: flag('InsightsEnabled', current.insightsEnabled),
    notificationsEnabled: flag('NotificationsEnabled', current.notificationsEnabled),
  };
}

function toApiGroup(g: GroupRecord) {
  return {
    GroupName: g.name,
    GroupARN: g.arn,
    ...(g.filterExpression !== '' ? { FilterExpression: g.filterExpression } : {}),
    InsightsConfiguration: {
      InsightsEnabled: g.insightsEnabled,
      NotificationsEnabled: g.notificationsEnabled,
    },
  };
}
