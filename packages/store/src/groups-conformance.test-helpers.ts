import { afterEach, describe, expect, it } from 'vitest';
import type { GroupRecord, Store } from './store.js';

const group = (name: string, filterExpression = 'responsetime > 5'): GroupRecord => ({
  name,
  arn: `arn:aws:xray:local:000000000000:group/${name}/X${name.length}`,
  filterExpression,
  insightsEnabled: false,
  notificationsEnabled: false,
});

/** The group behaviour every store must have (create, replace, list, delete, survive a reopen). */
export function describeGroupConformance(
  name: string,
  stores: { open(): Promise<Store>; reopen(store: Store): Promise<Store> },
): void {
  describe(`${name}: groups`, () => {
    const opened: Store[] = [];
    const open = async () => {
      const s = await stores.open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

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
      opened.splice(opened.indexOf(s), 1);
      const again = await stores.reopen(s);
      opened.push(again);
      expect(await again.getGroup('kept')).toEqual(group('kept', ''));
    });
  });
}
