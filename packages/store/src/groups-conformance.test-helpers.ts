import { describe, expect, it } from 'vitest';
import { closedAfterEach, type StoreFactory } from './conformance.test-helpers.js';
import type { GroupRecord } from './store.js';

const group = (name: string, filterExpression = 'responsetime > 5'): GroupRecord => ({
  name,
  arn: `arn:aws:xray:local:000000000000:group/${name}/X${name.length}`,
  filterExpression,
  insightsEnabled: false,
  notificationsEnabled: false,
});

/** The group behaviour every store must have (create, replace, list, delete, survive a reopen). */
export function describeGroupConformance(name: string, stores: StoreFactory): void {
  describe(`${name}: groups`, () => {
    const { open, reopen } = closedAfterEach(stores);

    it('creates, reads, lists by name, replaces and deletes', async () => {
      const s = await open();
      expect(await s.listGroups()).toEqual([]);
      expect(await s.getGroup('slow')).toBeUndefined();
      await s.putGroup(group('slow'));
      await s.putGroup(group('errors', 'error OR fault'));
      expect(await s.getGroup('slow')).toEqual(group('slow'));
      expect((await s.listGroups()).map((g) => g.name)).toEqual(['errors', 'slow']);
      const replaced = { ...group('slow', 'responsetime > 9'), insightsEnabled: true };
      await s.putGroup(replaced);
      expect(await s.getGroup('slow')).toEqual(replaced);
      expect(await s.deleteGroup('slow')).toBe(true);
      expect(await s.deleteGroup('slow')).toBe(false);
      expect(await s.getGroup('slow')).toBeUndefined();
      expect((await s.listGroups()).map((g) => g.name)).toEqual(['errors']);
    });

    it('keeps names and expressions exactly, quotes and all', async () => {
      const s = await open();
      const tricky = group(`o'brien "x" \\ ;--`, `annotation.k = "it's" AND http.url CONTAINS "\\\\"`);
      await s.putGroup(tricky);
      expect(await s.getGroup(tricky.name)).toEqual(tricky);
      expect(await s.getGroup('o')).toBeUndefined();
    });

    it('keeps groups across a reopen', async () => {
      const s = await open();
      await s.putGroup(group('kept', ''));
      const again = await reopen(s);
      expect(await again.getGroup('kept')).toEqual(group('kept', ''));
    });
  });
}
