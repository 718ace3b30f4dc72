import { describe, expect, it } from 'vitest';
import {
  andFilter,
  completeFilter,
  errorColumn,
  quote,
  tokenizeFilter,
  withResponseTimeRange,
} from './filter-syntax.js';
import { parseTraceIdInput } from './trace-id.js';

describe('tokenizeFilter', () => {
  it('covers every character and classifies tokens', () => {
    const text = 'service("api") AND responsetime > 1.5 OR annotation.tenant = "a \\" b" AND !ok';
    const tokens = tokenizeFilter(text);
    expect(tokens.map((t) => t.text).join('')).toBe(text);
    const kinds = Object.fromEntries(tokens.filter((t) => t.kind !== 'space').map((t) => [t.text, t.kind]));
    expect(kinds).toMatchObject({
      service: 'function',
      '"api"': 'string',
      AND: 'operator',
      responsetime: 'keyword',
      '1.5': 'number',
      'annotation.tenant': 'annotation',
      '"a \\" b"': 'string',
      ok: 'keyword',
    });
  });
  it('keeps an unterminated string as one token', () => {
    expect(tokenizeFilter('name = "abc').at(-1)).toEqual({ kind: 'string', text: '"abc', start: 7 });
  });
});

describe('completeFilter', () => {
  const sources = { services: ['api', 'my "svc"'], annotationKeys: ['tenant'] };
  it('completes keywords, functions and annotation keys for the word at the cursor', () => {
    const r = completeFilter('ok AND resp', 11, sources);
    expect(r.from).toBe(7);
    expect(r.items.map((i) => i.insert)).toEqual(['responsetime']);
    expect(completeFilter('annotation.t', 12, sources).items.map((i) => i.insert)).toEqual([
      'annotation.tenant',
    ]);
  });
  it('offers services quoted', () => {
    const items = completeFilter('serv', 4, sources).items.map((i) => i.insert);
    expect(items).toContain('service(');
    expect(items).toContain('service("my \\"svc\\"")');
  });
  it('offers nothing inside a string', () => {
    expect(completeFilter('name = "resp', 12, sources).items).toEqual([]);
  });
});

describe('filter composition', () => {
  it('ANDs clauses, parenthesising an OR', () => {
    expect(andFilter('', 'ok')).toBe('ok');
    expect(andFilter('error', 'ok')).toBe('error AND ok');
    expect(andFilter('error OR fault', 'ok')).toBe('(error OR fault) AND ok');
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
  it('replaces the response-time range the chart added', () => {
    const once = withResponseTimeRange('service("api")', 0.1, 0.5);
    expect(once).toBe('service("api") AND responsetime >= 0.1 AND responsetime <= 0.5');
    expect(withResponseTimeRange(once, 0.2, 0.3)).toBe(
      'service("api") AND responsetime >= 0.2 AND responsetime <= 0.3',
    );
    expect(withResponseTimeRange('', 1, 2)).toBe('responsetime >= 1 AND responsetime <= 2');
  });
  it('reads the column from an API error', () => {
    expect(errorColumn("FilterExpression: expected a value after '=' at column 8")).toBe(8);
    expect(errorColumn('no position')).toBeUndefined();
  });
});

describe('parseTraceIdInput', () => {
  it.each([
    ['1-5759e988-bd862e3fe1be46a994272793', '1-5759e988-bd862e3fe1be46a994272793'],
    [' 5759E988BD862E3FE1BE46A994272793 ', '1-5759e988-bd862e3fe1be46a994272793'],
    ['00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01', '1-5759e988-bd862e3fe1be46a994272793'],
    [
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      '1-5759e988-bd862e3fe1be46a994272793',
    ],
    ['hello', undefined],
  ])('%s', (input, expected) => {
    expect(parseTraceIdInput(input)).toBe(expected);
  });
});

describe('parseTraceFile', () => {
  const doc = {
    id: 'a000000000000001',
    name: 'api',
    trace_id: '1-5759e988-bd862e3fe1be46a994272793',
    start_time: 1,
    end_time: 2,
  };
  it.each([
    ['the console download', JSON.stringify({ Id: doc.trace_id, Segments: [doc] })],
    [
      'a BatchGetTraces answer',
      JSON.stringify({
        Traces: [{ Id: doc.trace_id, Segments: [{ Id: doc.id, Document: JSON.stringify(doc) }] }],
      }),
    ],
    ['an array of documents', JSON.stringify([doc])],
    ['one document per line', `${JSON.stringify(doc)}\n`],
  ])('reads %s', async (_name, text) => {
    const { parseTraceFile } = await import('./trace-file.js');
    const r = parseTraceFile(text);
    expect(r).toEqual({ id: doc.trace_id, documents: [JSON.stringify(doc)] });
  });
  it('says what is wrong with anything else', async () => {
    const { parseTraceFile } = await import('./trace-file.js');
    expect(parseTraceFile('not json')).toEqual({
      error: 'The file is not JSON, nor one JSON document per line.',
    });
    expect(parseTraceFile('{"Traces": []}')).toEqual({ error: 'No segment documents found in the file.' });
  });
});
