import { describe, expect, it } from 'vitest';
import {
  formatBoost,
  formatRate,
  NEW_RULE_FORM,
  orderRules,
  type SamplingRule,
  skippedBySdks,
  toNewRule,
  toRuleForm,
  toRuleUpdate,
} from './sampling-rules.js';

const rule = (name: string, priority: number, extra: Partial<SamplingRule> = {}): SamplingRule => ({
  RuleName: name,
  ResourceARN: '*',
  Priority: priority,
  FixedRate: 0.05,
  ReservoirSize: 1,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  Version: 1,
  ...extra,
});

describe('orderRules', () => {
  it('puts the lowest priority first, ties by name, and Default last whatever its priority', () => {
    const records = [rule('Default', 1), rule('b', 20), rule('z', 5), rule('a', 20)].map((r) => ({
      SamplingRule: r,
    }));
    expect(orderRules(records).map((r) => r.SamplingRule.RuleName)).toEqual(['z', 'a', 'b', 'Default']);
  });
});

describe('skippedBySdks', () => {
  it.each([
    [{}, false],
    [{ Attributes: {} }, false],
    [{ ResourceARN: 'arn:aws:ecs:us-east-1:1:service/x' }, true],
    [{ Attributes: { tier: 'gold' } }, true],
  ])('%o → %s', (extra, skipped) => expect(skippedBySdks(rule('r', 1, extra))).toBe(skipped));
});

describe('formatRate', () => {
  it.each([
    [0, '0%'],
    [0.05, '5%'],
    [0.07, '7%'],
    [1, '100%'],
    [0.333333, '33.33%'],
    [0.0005, '0.05%'],
  ])('%s → %s', (rate, text) => expect(formatRate(rate)).toBe(text));
});

describe('toRuleForm', () => {
  it('shows the rate in percent without floating-point noise', () => {
    expect(toRuleForm(rule('r', 10, { FixedRate: 0.07 })).ratePercent).toBe('7');
    expect(toRuleForm(rule('r', 10, { FixedRate: 0.001 })).ratePercent).toBe('0.1');
  });
});

describe('toNewRule', () => {
  it("starts from X-Ray's defaults: every resource and service type, Version 1", () => {
    const r = toNewRule({ ...NEW_RULE_FORM, name: 'health', urlPath: '/health', ratePercent: '0' });
    expect(r).toEqual({ ok: true, value: rule('health', 1000, { URLPath: '/health', FixedRate: 0 }) });
  });

  it('turns the percent back into the fraction the API takes', () => {
    const r = toNewRule({ ...NEW_RULE_FORM, name: 'x', ratePercent: '7' });
    expect(r.ok && r.value.FixedRate).toBe(0.07);
  });

  it.each([
    [{ priority: '' }, 'Priority must be a number'],
    [{ reservoir: 'x' }, 'Reservoir must be a number'],
    [{ ratePercent: '150' }, 'Fixed rate (%) must be between 0 and 100, not 150'],
    [{ ratePercent: '-1' }, 'Fixed rate (%) must be between 0 and 100, not -1'],
  ])('refuses %o: %s', (change, error) => {
    expect(toNewRule({ ...NEW_RULE_FORM, name: 'x', ...change })).toEqual({ ok: false, error });
  });

  it('leaves other ranges to the server, whose message names the member', () => {
    expect(toNewRule({ ...NEW_RULE_FORM, name: 'x', priority: '0' })).toMatchObject({
      ok: true,
      value: { Priority: 0 },
    });
  });
});

describe('toRuleUpdate', () => {
  it("sends only Default's rate and reservoir", () => {
    const form = { ...toRuleForm(rule('Default', 10000)), ratePercent: '10', reservoir: '2' };
    expect(toRuleUpdate(form)).toEqual({
      ok: true,
      value: { RuleName: 'Default', FixedRate: 0.1, ReservoirSize: 2, SamplingRateBoost: null },
    });
  });

  it('sends every member but the name and Version for other rules', () => {
    const form = { ...toRuleForm(rule('api', 10)), host: 'api.example.com', priority: '20' };
    const { RuleName, Version, ...members } = rule('api', 20, { Host: 'api.example.com' });
    expect(toRuleUpdate(form)).toEqual({
      ok: true,
      value: { RuleName, ...members, SamplingRateBoost: null },
    });
    expect(Version).toBe(1);
  });

  it('sends a boost in percent as a rate, keeps an existing one, and sends null when it is emptied', () => {
    const boosted = rule('api', 10, { SamplingRateBoost: { MaxRate: 0.07, CooldownWindowMinutes: 15 } });
    const form = toRuleForm(boosted);
    expect([form.boostPercent, form.boostCooldown]).toEqual(['7', '15']);
    expect(toRuleUpdate(form)).toMatchObject({
      ok: true,
      value: { SamplingRateBoost: { MaxRate: 0.07, CooldownWindowMinutes: 15 } },
    });
    expect(toRuleUpdate({ ...form, boostPercent: ' ' })).toMatchObject({
      ok: true,
      value: { SamplingRateBoost: null },
    });
    expect(
      toRuleUpdate({ ...toRuleForm(rule('Default', 10000)), boostPercent: '100', boostCooldown: '1' }),
    ).toEqual({
      ok: true,
      value: {
        RuleName: 'Default',
        FixedRate: 0.05,
        ReservoirSize: 1,
        SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 1 },
      },
    });
  });
});

describe('the boost', () => {
  it('is left out of a new rule unless its rate is given', () => {
    const plain = toNewRule({ ...NEW_RULE_FORM, name: 'x' });
    expect(plain.ok).toBe(true);
    expect(plain.ok && plain.value).not.toHaveProperty('SamplingRateBoost');
    expect(toNewRule({ ...NEW_RULE_FORM, name: 'x', boostPercent: '50', boostCooldown: '5' })).toMatchObject({
      ok: true,
      value: { SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 } },
    });
  });

  it.each([
    [{ boostPercent: '101' }, 'Boost up to (%) must be between 0 and 100, not 101'],
    [{ boostPercent: 'x' }, 'Boost up to (%) must be a number'],
    [{ boostPercent: '50', boostCooldown: '' }, 'Boost cooldown (minutes) must be a number'],
  ])('refuses %o: %s', (change, error) => {
    expect(toNewRule({ ...NEW_RULE_FORM, name: 'x', ...change })).toEqual({ ok: false, error });
  });

  it.each([
    [{}, '—'],
    [{ SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 10 } }, 'up to 50%, every 10 min'],
  ])('%o shows as %s', (extra, text) => expect(formatBoost(rule('r', 1, extra))).toBe(text));
});
