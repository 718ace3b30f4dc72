import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseDaemonAddress } from './daemon-address.js';
import {
  formatTraceparent,
  formatTracestate,
  formatXRayHeader,
  parseTraceparent,
  parseXRayHeader,
  ruleFromTracestate,
} from './trace-header.js';

const T = '1-5759e988-bd862e3fe1be46a994272793';

describe('parseXRayHeader', () => {
  test.each([
    [
      `Root=${T};Parent=53995c3f42cd8ad8;Sampled=1`,
      { traceId: T, parentId: '53995c3f42cd8ad8', sampled: true },
    ],
    [`Root=${T};Sampled=0`, { traceId: T, parentId: undefined, sampled: false }],
    [`Root=${T};Sampled=?`, { traceId: T, parentId: undefined, sampled: undefined }],
    [
      `sampled=1; parent=53995C3F42CD8AD8; root=${T.toUpperCase()}`,
      { traceId: T, parentId: '53995c3f42cd8ad8', sampled: true },
    ],
    [`Root=${T};Parent=nothex;Lineage=a:1`, { traceId: T, parentId: undefined, sampled: undefined }],
    [
      `Self=1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb;Root=${T}`,
      { traceId: T, parentId: undefined, sampled: undefined },
    ],
  ])('%s', (header, expected) => {
    expect(parseXRayHeader(header)).toEqual(expected);
  });

  test.each([undefined, '', 'garbage', 'Root=1-xyz;Sampled=1', 'Parent=53995c3f42cd8ad8;Sampled=1'])(
    'rejects %s',
    (h) => {
      expect(parseXRayHeader(h)).toBeUndefined();
    },
  );

  test('never throws and round-trips what it formats', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseXRayHeader(s)));
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    fc.assert(
      fc.property(hex(8), hex(24), hex(16), fc.boolean(), (a, b, parent, sampled) => {
        const traceId = `1-${a}-${b}`;
        expect(parseXRayHeader(formatXRayHeader(traceId, parent, sampled))).toEqual({
          traceId,
          parentId: parent,
          sampled,
        });
        expect(parseTraceparent(formatTraceparent(traceId, parent, sampled))).toEqual({
          traceId,
          parentId: parent,
          sampled,
        });
      }),
    );
  });
});

describe('parseTraceparent', () => {
  test.each([
    [
      '00-4efaaf4d1e8720b39541901950019ee5-00f067aa0ba902b7-01',
      { traceId: '1-4efaaf4d-1e8720b39541901950019ee5', parentId: '00f067aa0ba902b7', sampled: true },
    ],
    [
      '00-4efaaf4d1e8720b39541901950019ee5-00f067aa0ba902b7-00',
      { traceId: '1-4efaaf4d-1e8720b39541901950019ee5', parentId: '00f067aa0ba902b7', sampled: false },
    ],
  ])('%s', (h, expected) => {
    expect(parseTraceparent(h)).toEqual(expected);
  });
  test.each([
    'ff-4efaaf4d1e8720b39541901950019ee5-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4efaaf4d1e8720b39541901950019ee5-0000000000000000-01',
    '00-4efaaf4d1e8720b3954190195001-00f067aa0ba902b7-01',
  ])('rejects %s', (h) => {
    expect(parseTraceparent(h)).toBeUndefined();
  });
});

describe('parseDaemonAddress', () => {
  test.each([
    ['127.0.0.1:2000', { udpHost: '127.0.0.1', udpPort: 2000, tcpHost: '127.0.0.1', tcpPort: 2000 }],
    [
      'udp:10.0.0.1:3000 tcp:10.0.0.2:3001',
      { udpHost: '10.0.0.1', udpPort: 3000, tcpHost: '10.0.0.2', tcpPort: 3001 },
    ],
    [
      'tcp:186.34.0.23:8082, udp:127.0.0.1:3000',
      { udpHost: '127.0.0.1', udpPort: 3000, tcpHost: '186.34.0.23', tcpPort: 8082 },
    ],
    ['xray-daemon:2000', { udpHost: 'xray-daemon', udpPort: 2000, tcpHost: 'xray-daemon', tcpPort: 2000 }],
    ['[::1]:2000', { udpHost: '::1', udpPort: 2000, tcpHost: '::1', tcpPort: 2000 }],
  ])('%s', (text, expected) => {
    expect(parseDaemonAddress(text)).toEqual(expected);
  });
  test.each(['', 'localhost', ':2000', 'host:0', 'host:70000', 'udp:a:1', 'udp:a:1 udp:b:2'])(
    'rejects %s',
    (t) => {
      expect(parseDaemonAddress(t)).toBeUndefined();
    },
  );
});

describe('ruleFromTracestate', () => {
  test.each([
    ['awsxraysamplingrule=checkout', 'checkout'],
    ['vendor=a, awsxraysamplingrule=Default ,other=b', 'Default'],
    ['awsxraysamplingrule=rule_1-a', 'rule_1-a'],
    ['xawsxraysamplingrule=checkout', undefined],
    ['awsxraysamplingrule=', undefined],
    ['awsxraysamplingrule=has space', undefined],
    [`awsxraysamplingrule=${'r'.repeat(33)}`, undefined],
    ['vendor=a', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, rule) => {
    expect(ruleFromTracestate(header)).toBe(rule);
  });

  test('formatTracestate writes what ruleFromTracestate reads', () => {
    expect(ruleFromTracestate(formatTracestate('checkout'))).toBe('checkout');
  });
});
