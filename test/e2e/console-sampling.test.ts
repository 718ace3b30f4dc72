import {
  CreateGroupCommand,
  CreateSamplingRuleCommand,
  GetSamplingRulesCommand,
  type SamplingRule,
} from '@aws-sdk/client-xray';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  collectPageErrors,
  docsScreenshotDir,
  hasChromium,
  launchChromium,
  lookDir,
  poll,
} from '../helpers/chromium.js';
import { type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';

// The light screenshot is the docs' when refreshing them; the dark one is only for looking at.
const LOOK = lookDir();
const SHOTS = process.env['FLUORO_UPDATE_SCREENSHOTS'] === '1' ? docsScreenshotDir() : LOOK;

describe.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))(
  'sampling rules in the console',
  () => {
    let fluoro: RunningFluoro;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    /** Every rule the AWS SDK gets, by name. */
    const served = async (): Promise<Map<string, SamplingRule>> => {
      const r = await fluoro.xray().send(new GetSamplingRulesCommand({}));
      return new Map((r.SamplingRuleRecords ?? []).map((x) => [x.SamplingRule!.RuleName!, x.SamplingRule!]));
    };
    const row = (name: string) => page.locator(`[data-testid=sampling-rules] tr[data-rule="${name}"]`);
    const ruleNames = () =>
      page
        .locator('[data-testid=sampling-rules] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-rule')));
    const field = (label: string) => page.getByLabel(label, { exact: true });

    beforeAll(async () => {
      fluoro = await startFluoro();
      // A group too, so the Settings screenshot shows both sections.
      await fluoro.xray().send(new CreateGroupCommand({ GroupName: 'failing', FilterExpression: 'fault' }));
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
      collectPageErrors(page, pageErrors);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await fluoro?.dispose();
    });

    it('lists Default as the fallback, with no delete button', async () => {
      await page.goto(`${fluoro.httpUrl}/settings`);
      await poll(ruleNames).toEqual(['Default']);
      expect(await row('Default').locator('td').first().textContent()).toBe('Defaultfallback');
      expect(await row('Default').getByRole('button', { name: 'Edit rule Default' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: /Delete rule/ }).count()).toBe(0);
    });

    it('creates a rule through the form, with the fields entered, as the AWS SDK reads it', async () => {
      await page.getByRole('button', { name: 'New rule' }).click();
      const form = page.getByRole('form', { name: 'New sampling rule' });
      // X-Ray's members a rule rarely changes start as wildcards.
      expect(await field('Resource ARN').inputValue()).toBe('*');
      expect(await field('Service type').inputValue()).toBe('*');
      // The form opens with the name focused.
      await page.keyboard.type('checkout');
      await field('Priority').fill('100');
      await field('Fixed rate (%)').fill('25');
      await field('Reservoir (per second)').fill('3');
      await field('Service name').fill('orders');
      await field('Host').fill('*.example.com');
      await field('HTTP method').fill('POST');
      await field('URL path').fill('/checkout*');
      // Adaptive sampling: up to half of the requests while errors come, at most every 5 minutes.
      await field('Boost up to (%)').fill('50');
      await field('Boost cooldown (minutes)').fill('5');
      await form.getByRole('button', { name: 'Create rule' }).click();
      await poll(ruleNames).toEqual(['checkout', 'Default']);
      expect(await form.count()).toBe(0);
      expect(await row('checkout').locator('td').allTextContents()).toEqual([
        'checkout',
        '100',
        'orders',
        '*.example.com',
        'POST',
        '/checkout*',
        '25%',
        '3',
        // Nothing reported for it yet.
        '—',
        '—',
        '—',
        'up to 50%, every 5 min',
        'Edit Delete',
      ]);
      expect((await served()).get('checkout')).toMatchObject({
        RuleName: 'checkout',
        ResourceARN: '*',
        Priority: 100,
        FixedRate: 0.25,
        ReservoirSize: 3,
        ServiceName: 'orders',
        ServiceType: '*',
        Host: '*.example.com',
        HTTPMethod: 'POST',
        URLPath: '/checkout*',
        Version: 1,
        SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 },
      });
      await page.screenshot({ path: `${SHOTS}settings.png` });
    });

    it("shows the last minute's requests, traced and borrowed that the SDKs reported, per rule", async () => {
      // Two SDK clients' reports, as their SamplingTargets calls carry them.
      const report = async (
        ClientID: string,
        RequestCount: number,
        SampledCount: number,
        BorrowCount: number,
      ) => {
        const res = await fetch(`${fluoro.httpUrl}/SamplingTargets`, {
          method: 'POST',
          body: JSON.stringify({
            SamplingStatisticsDocuments: [
              {
                RuleName: 'checkout',
                ClientID,
                Timestamp: Date.now() / 1000,
                RequestCount,
                SampledCount,
                BorrowCount,
              },
            ],
          }),
        });
        expect(res.status).toBe(200);
      };
      await report('a'.repeat(24), 30, 8, 1);
      await report('b'.repeat(24), 12, 4, 0);
      await page.reload();
      await poll(() => row('checkout').locator('td').allTextContents()).toEqual([
        'checkout',
        '100',
        'orders',
        '*.example.com',
        'POST',
        '/checkout*',
        '25%',
        '3',
        '42',
        '12',
        '1',
        'up to 50%, every 5 min',
        'Edit Delete',
      ]);
      // Default had no reports: dashes, not zeros.
      expect((await row('Default').locator('td').allTextContents()).slice(8, 11)).toEqual(['—', '—', '—']);
      expect(await page.locator('[data-testid=sampling-rules] th').allTextContents()).toContain(
        'Requests/min',
      );
    });

    it("edits the rule's rate", async () => {
      await row('checkout').getByRole('button', { name: 'Edit rule checkout' }).click();
      const form = page.getByRole('form', { name: 'Edit sampling rule checkout' });
      expect(await field('Rule name').isDisabled()).toBe(true);
      expect(await field('Fixed rate (%)').inputValue()).toBe('25');
      await field('Fixed rate (%)').fill('10');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await poll(() => form.count()).toBe(0);
      expect(await row('checkout').locator('td').nth(6).textContent()).toBe('10%');
      const rule = (await served()).get('checkout');
      expect(rule).toMatchObject({
        FixedRate: 0.1,
        Priority: 100,
        ReservoirSize: 3,
        Host: '*.example.com',
        SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 },
      });
      // Emptying "Boost up to" removes the boost.
      await row('checkout').getByRole('button', { name: 'Edit rule checkout' }).click();
      expect(await field('Boost up to (%)').inputValue()).toBe('50');
      await field('Boost up to (%)').fill('');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await poll(() => form.count()).toBe(0);
      expect(await row('checkout').locator('td').nth(11).textContent()).toBe('—');
      expect((await served()).get('checkout')).not.toHaveProperty('SamplingRateBoost');
    });

    it("shows the server's message, naming the field, beside the form", async () => {
      await row('checkout').getByRole('button', { name: 'Edit rule checkout' }).click();
      const form = page.getByRole('form', { name: 'Edit sampling rule checkout' });
      await field('Priority').fill('0');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await poll(() => form.getByRole('alert').textContent()).toBe(
        'SamplingRuleUpdate.Priority must be between 1 and 9999, not 0',
      );
      expect((await served()).get('checkout')?.Priority).toBe(100);
      // A new rule's refusal reads the same, under CreateSamplingRule's member.
      await field('Priority').press('Escape');
      await poll(() => form.count()).toBe(0);
      await page.getByRole('button', { name: 'New rule' }).click();
      const create = page.getByRole('form', { name: 'New sampling rule' });
      await field('Rule name').fill('checkout');
      await create.getByRole('button', { name: 'Create rule' }).click();
      await poll(() => create.getByRole('alert').textContent()).toMatch(/SamplingRule\.RuleName.*checkout/);
      await create.getByRole('button', { name: 'Cancel' }).click();
      expect(await create.count()).toBe(0);
    });

    it("changes Default's rate and reservoir, and nothing else of it", async () => {
      await row('Default').getByRole('button', { name: 'Edit rule Default' }).click();
      const form = page.getByRole('form', { name: 'Edit sampling rule Default' });
      for (const label of ['Rule name', 'Priority', 'Service name', 'Host', 'HTTP method', 'URL path'])
        expect(await field(label).isDisabled(), label).toBe(true);
      await field('Fixed rate (%)').fill('50');
      await field('Reservoir (per second)').fill('2');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await poll(() => form.count()).toBe(0);
      expect(await row('Default').locator('td').nth(6).textContent()).toBe('50%');
      expect((await served()).get('Default')).toMatchObject({
        FixedRate: 0.5,
        ReservoirSize: 2,
        Priority: 10000,
      });
    });

    it('deletes the rule once confirmed; Default has no delete button', async () => {
      const asked: string[] = [];
      page.once('dialog', (d) => {
        asked.push(d.message());
        void d.accept();
      });
      await row('checkout').getByRole('button', { name: 'Delete rule checkout' }).click();
      await poll(ruleNames).toEqual(['Default']);
      expect(asked).toEqual(['Delete sampling rule checkout? SDKs stop using it at their next poll.']);
      expect([...(await served()).keys()]).toEqual(['Default']);
      expect(
        await row('Default')
          .getByRole('button', { name: /Delete/ })
          .count(),
      ).toBe(0);
      expect(pageErrors).toEqual([]);
    });

    it('marks a rule the SDKs skip, and reads in dark mode', async () => {
      // Made with the AWS SDK: the form keeps attributes but does not show them.
      await fluoro.xray().send(
        new CreateSamplingRuleCommand({
          SamplingRule: {
            RuleName: 'gold-tier',
            ResourceARN: '*',
            Priority: 50,
            FixedRate: 1,
            ReservoirSize: 0,
            ServiceName: '*',
            ServiceType: '*',
            Host: '*',
            HTTPMethod: '*',
            URLPath: '*',
            Version: 1,
            Attributes: { tier: 'gold' },
          },
        }),
      );
      const dark = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
      await dark.goto(`${fluoro.httpUrl}/settings`);
      const gold = dark.locator('[data-testid=sampling-rules] tr[data-rule="gold-tier"]');
      await poll(() => gold.locator('td').first().textContent()).toBe('gold-tierSDKs skip it');
      expect(await dark.evaluate('document.documentElement.dataset.theme')).toBe('dark');
      await dark.getByRole('button', { name: 'New rule' }).click();
      await dark.getByLabel('Priority', { exact: true }).fill('0');
      await dark.getByLabel('Rule name', { exact: true }).fill('dark');
      await dark.getByRole('button', { name: 'Create rule' }).click();
      await poll(() => dark.getByRole('alert').textContent()).toContain('SamplingRule.Priority');
      await dark.screenshot({ path: `${LOOK}settings-dark.png` });
      await dark.close();
    });
  },
);

describe.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))(
  'sampling rules in the console, behind an auth token',
  () => {
    const TOKEN = 'e2e-sampling-token-0123456789abcdef';
    let fluoro: RunningFluoro;
    let browser: Browser;

    beforeAll(async () => {
      fluoro = await startFluoro({ env: { FLUORO_AUTH_TOKEN: TOKEN } });
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await fluoro?.dispose();
    });

    it('creates a rule with the token the console signed in with', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${fluoro.httpUrl}/settings`);
      const dialog = page.getByRole('dialog', { name: 'Sign in' });
      await dialog.waitFor({ timeout: 20_000 });
      await dialog.getByLabel('Auth token').fill(TOKEN);
      await dialog.getByLabel('Auth token').press('Enter');
      await dialog.waitFor({ state: 'detached', timeout: 20_000 });
      await page.getByRole('button', { name: 'New rule' }).click();
      await page.getByLabel('Rule name', { exact: true }).fill('signed-in');
      await page.getByRole('button', { name: 'Create rule' }).click();
      const names = () =>
        page
          .locator('[data-testid=sampling-rules] tbody tr')
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-rule')));
      await poll(names).toEqual(['signed-in', 'Default']);
      const r = await fluoro.xray().send(new GetSamplingRulesCommand({}));
      expect(r.SamplingRuleRecords?.map((x) => x.SamplingRule?.RuleName)).toEqual(['signed-in', 'Default']);
      await page.close();
    });
  },
);
