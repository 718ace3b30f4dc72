import type { Store } from '@fluoro/store';
import { getSegments } from './fluoro-api/segments.js';
import { getServiceStats, getServiceTimes } from './fluoro-api/service-stats.js';
import type { Router } from './http/router.js';
import { getServiceGraph } from './xray-api/service-graph.js';
import { getTimeSeriesServiceStatistics } from './xray-api/time-series.js';
import { getTraceGraph } from './xray-api/trace-graph.js';

/**
 * The service map and statistics: X-Ray's GetServiceGraph, GetTraceGraph and
 * GetTimeSeriesServiceStatistics, and Fluoro's JSON endpoints for the console (docs/api.md).
 * Every one only reads, so a read-only token may call it.
 */
export function registerServiceGraphRoutes(router: Router, store: Store): Router {
  const read = { access: 'read' } as const;
  return router
    .post('/ServiceGraph', getServiceGraph(store), read)
    .post('/TraceGraph', getTraceGraph(store), read)
    .post('/TimeSeriesServiceStatistics', getTimeSeriesServiceStatistics(store), read)
    .get('/api/service-stats', getServiceStats(store), read)
    .get('/api/service-times', getServiceTimes(store), read)
    .get('/api/segments', getSegments(store), read);
}
