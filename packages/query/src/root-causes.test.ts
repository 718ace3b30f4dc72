import { describe, expect, it } from 'vitest';
import { buildTrace, traceIdOf } from './fixtures.test-helpers.js';
import { computeRootCauses } from './root-causes.js';

const T = traceIdOf(1);

describe('computeRootCauses', () => {
  it('follows faults down to the deepest faulting entity, grouped by service', () => {
    const rows = buildTrace(T, {
      name: 'front',
      origin: 'AWS::EC2::Instance',
      fault: true,
      kids: [
        { name: 'ok-call', ns: 'remote' },
        {
          name: 'call-back',
          ns: 'remote',
          fault: true,
          kids: [
            {
              name: 'back',
              seg: true,
              fault: true,
              account: '42',
              kids: [{ name: 'parse', fault: true, messages: ['bad'] }],
            },
          ],
        },
      ],
    });
    const { FaultRootCauses, ErrorRootCauses } = computeRootCauses(rows);
    expect(ErrorRootCauses).toEqual([]);
    expect(FaultRootCauses).toEqual([
      {
        ClientImpacting: true,
        Services: [
          {
            Name: 'front',
            Names: ['front'],
            Type: 'AWS::EC2::Instance',
            Inferred: false,
            EntityPath: [{ Name: 'front' }, { Name: 'call-back', Remote: true }],
          },
          {
            Name: 'back',
            Names: ['back'],
            AccountId: '42',
            Inferred: false,
            EntityPath: [{ Name: 'back' }, { Name: 'parse', Exceptions: [{ Message: 'bad' }] }],
          },
        ],
      },
    ]);
  });

  it('reports each independent faulting branch, and a downstream error the root handled as not client-impacting', () => {
    const rows = buildTrace(T, {
      name: 'front',
      status: 200,
      kids: [
        { name: 'a', error: true, s: 0 },
        { name: 'b', status: 404, s: 0.5 },
      ],
    });
    const causes = computeRootCauses(rows).ErrorRootCauses;
    expect(causes.map((c) => c.Services[0]?.EntityPath.map((e) => e.Name))).toEqual([
      ['front', 'a'],
      ['front', 'b'],
    ]);
    expect(causes.every((c) => !c.ClientImpacting)).toBe(true);
  });

  it('makes an AWS call with no segment of its own an inferred service', () => {
    const rows = buildTrace(T, {
      name: 'api',
      fault: true,
      kids: [{ name: 'DynamoDB', ns: 'aws', fault: true }],
    });
    const [cause] = computeRootCauses(rows).FaultRootCauses;
    expect(cause?.Services.map((s) => [s.Name, s.Type, s.Inferred])).toEqual([
      ['api', undefined, false],
      ['DynamoDB', 'AWS::DynamoDB', true],
    ]);
  });

  it('follows the slowest call for response time, with coverage against the root', () => {
    const rows = buildTrace(T, {
      name: 'api',
      d: 2,
      kids: [
        { name: 'fast', d: 0.5 },
        { name: 'slow', d: 1.5, kids: [{ name: 'db', ns: 'remote', d: 1 }] },
      ],
    });
    const [cause] = computeRootCauses(rows).ResponseTimeRootCauses;
    expect(cause?.Services.map((s) => s.Name)).toEqual(['api', 'db']);
    expect(cause?.Services.flatMap((s) => s.EntityPath)).toEqual([
      { Name: 'api', Coverage: 1 },
      { Name: 'slow', Coverage: 0.75 },
      { Name: 'db', Coverage: 0.5, Remote: true },
    ]);
  });

  it('has none without a root segment, and no response-time cause while the root is in progress', () => {
    expect(computeRootCauses([])).toEqual({
      FaultRootCauses: [],
      ErrorRootCauses: [],
      ResponseTimeRootCauses: [],
    });
    expect(computeRootCauses(buildTrace(T, { name: 'api', d: null })).ResponseTimeRootCauses).toEqual([]);
  });
});
