import { defineConfig } from 'vite';

// No React plugin: Vite's own transform compiles TSX (automatic JSX runtime). The build goes to
// dist/, which `fluoro up` serves at / (packages/server/src/console/serve-console.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One small app: no preload polyfill (it would be inline script under a strict CSP).
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
  // `npm run dev -w @fluoro/console`: hot-reloading UI on :5173 against a `fluoro up` on :2000.
  server: {
    proxy: {
      '^/(TraceSummaries|Traces|ServiceGraph|TraceGraph|TimeSeriesServiceStatistics|Groups|CreateGroup|GetGroup|UpdateGroup|DeleteGroup|GetSamplingRules|api/)':
        'http://127.0.0.1:2000',
    },
  },
});
