import { describe, expect, it } from 'vitest';
import { toTimeline } from './timeline.js';
import { findRows } from './trace-find.js';

const T = 1_700_000_000;
const doc = {
  id: 'aaaaaaaaaaaaaaa1',
  name: 'checkout',
  trace_id: '1-00000001-000000000000000000000001',
  start_time: T,
  end_time: T + 1,
  http: { request: { method: 'POST', url: 'http://shop/checkout' } },
  annotations: { tenant: 'acme' },
  subsegments: [
    {
      id: 'bbbbbbbbbbbbbbb1',
      name: 'charge',
      start_time: T + 0.1,
      end_time: T + 0.5,
      fault: true,
      cause: {
        exceptions: [{ id: 'cccccccccccccc01', type: 'CardDeclined', message: 'card 4242 declined' }],
      },
    },
    {
      id: 'bbbbbbbbbbbbbbb2',
      name: 'consume',
      start_time: T + 0.5,
      end_time: T + 0.9,
      metadata: {
        otel: {
          events: [
            { name: 'retry', time: T + 0.6, attributes: { 'log.message': 'queue busy, backing off' } },
          ],
        },
      },
    },
    {
      id: 'bbbbbbbbbbbbbbb3',
      name: 'db',
      start_time: T + 0.2,
      end_time: T + 0.3,
      sql: { sanitized_query: 'SELECT 1' },
    },
  ],
};
const rows = toTimeline([JSON.stringify(doc)]).rows;
const names = (q: string) => findRows(rows, q).map((r) => r.name);

describe('findRows', () => {
  it('matches names, URLs, SQL and annotations, ignoring case', () => {
    expect(names('CHARGE')).toEqual(['charge']);
    expect(names('shop/checkout')).toEqual(['checkout']);
    expect(names('select 1')).toEqual(['db']);
    expect(names('acme')).toEqual(['checkout']);
    expect(names('')).toEqual([]);
  });

  it('matches exception types and messages', () => {
    expect(names('carddeclined')).toEqual(['charge']);
    expect(names('4242')).toEqual(['charge']);
  });

  it('matches span event names and their string attributes', () => {
    expect(names('retry')).toEqual(['consume']);
    expect(names('backing off')).toEqual(['consume']);
    expect(names('nothing like this')).toEqual([]);
  });
});
