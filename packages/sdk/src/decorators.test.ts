import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { capture, configure, flush, traceSegment } from './index.js';
import type { defineService } from './test-support/decorated.test-helpers.js';
import {
  descendants,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from './test-support/udp-collector.test-helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = join(here, 'test-support/decorated.test-helpers.ts');
const typesFixture = join(here, 'test-support/types.test-helpers.ts');
const tmp = mkdtempSync(join(tmpdir(), 'fluoro-decorators-'));
let collector: UdpCollector;

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
});
afterAll(async () => {
  await collector.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Compiles the fixture with tsc's emitter in the given decorator mode and loads it. */
async function load(experimentalDecorators: boolean): Promise<typeof defineService> {
  const output = ts.transpileModule(readFileSync(fixture, 'utf8'), {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators,
      useDefineForClassFields: !experimentalDecorators,
    },
  });
  const file = join(tmp, `decorated-${experimentalDecorators ? 'legacy' : 'tc39'}.mjs`);
  writeFileSync(file, output.outputText);
  // A sanity check that the two modes really compile differently.
  expect(output.outputText.includes('__esDecorate')).toBe(!experimentalDecorators);
  return ((await import(pathToFileURL(file).href)) as { defineService: typeof defineService }).defineService;
}

describe.each([
  ['TC39 standard decorators', false],
  ['experimentalDecorators', true],
])('@capture with %s', (_label, legacy) => {
  test('records a subsegment per call, keeps `this`, return values and errors', async () => {
    const OrderService = (await load(legacy))(capture);
    const service = new OrderService();
    let traceId = '';
    let declined: unknown;
    await traceSegment('decorated', async (segment) => {
      traceId = segment.traceId;
      expect(await service.place('o-1')).toBe('placed o-1');
      expect(service.total(2, 3)).toBe(5);
      declined = await service.decline().catch((err: unknown) => err);
      expect(await service.nested()).toBe(3);
    });
    expect(service.placed).toEqual(['o-1', 'inner']);
    expect((declined as Error).message).toBe('declined');
    await flush();
    await collector.waitFor((docs) => docs.some((d) => d.trace_id === traceId));
    const [root] = collector.trace(traceId);
    expect(root?.subsegments?.map((s) => s.name)).toEqual([
      'OrderService.place',
      'OrderService.total',
      'OrderService.decline',
      'OrderService.nested',
    ]);
    expect(root?.subsegments?.[2]?.['fault']).toBe(true);
    const nested = root?.subsegments?.[3];
    expect(descendants(nested!).map((s) => s.name)).toEqual(['OrderService.place', 'OrderService.total']);
  });

  test('type-checks under tsc in this mode, and the public types reject misuse', () => {
    const program = ts.createProgram([fixture, typesFixture], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      experimentalDecorators: legacy,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });
});
