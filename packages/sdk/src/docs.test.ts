import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

// Every ```ts block of docs/sdk.md must compile, strict, against the SDK's source (imported as
// '@fluoro/sdk') and the frameworks installed in the repo. The decorator block compiles in both
// decorator modes.
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '../../..');
const markdown = readFileSync(join(repoRoot, 'docs/sdk.md'), 'utf8');
const blocks = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

function diagnostics(files: Map<string, string>, experimentalDecorators: boolean): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators,
    types: ['node'],
    baseUrl: repoRoot,
    paths: { '@fluoro/sdk': ['packages/sdk/src/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = files.get(f);
    return text === undefined
      ? getSourceFile.call(host, f, lang, ...rest)
      : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('docs/sdk.md', () => {
  test('has the sections a user needs', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    for (const heading of [
      '## Install the middleware',
      '## Wrap a function',
      "## Decorate a handler's method",
      '## Sampling',
    ]) {
      expect(markdown).toContain(heading);
    }
  });

  test.each([false, true])('every code block type-checks (experimentalDecorators: %s)', (legacy) => {
    // Virtual files beside the package's sources, so imports resolve from the repo.
    const files = new Map(
      blocks.map((code, i) => [join(here, `__docs_block_${i}.mts`), `${code}\nexport {};\n`]),
    );
    expect(diagnostics(files, legacy)).toEqual([]);
  });
});
