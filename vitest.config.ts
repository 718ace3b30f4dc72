import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import sibling packages from source, so `vitest` needs no build; the CLI tests that
// spawn `fluoro up` use the built dist (npm test builds first).
export default defineConfig({
  resolve: {
    alias: {
      // The console's browser-safe entry must match before the package name's prefix does.
      '@fluoro/model/browser': fileURLToPath(new URL('./packages/model/src/browser.ts', import.meta.url)),
      '@fluoro/model': pkg('model'),
      '@fluoro/query': pkg('query'),
      '@fluoro/store': pkg('store'),
      '@fluoro/server': pkg('server'),
      '@fluoro/sdk': pkg('sdk'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
