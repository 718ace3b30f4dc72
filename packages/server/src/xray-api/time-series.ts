import { EntitySelectorError, parseEntitySelector, toTimeSeries } from '@fluoro/model';
import type { Store } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { asObject, optionalString, requiredEpochUs } from '../http/read-input.js';
import { groupFilter, loadGraphStats } from './graph-source.js';

/** Periods (seconds) GetTimeSeriesServiceStatistics accepts; 60 when absent. */
const PERIODS = new Set([60, 300, 3600]);
/** Most buckets one request may span. */
const MAX_BUCKETS = 10_000;

/**
 * GetTimeSeriesServiceStatistics (POST /TimeSeriesServiceStatistics): per `Period` bucket
 * (aligned to the epoch) with data, the statistics of the entity `EntitySelectorExpression`
 * names (`service("api")`, `edge("api", "db")`, `id(name: …, type: …)`; all edges and services
 * when absent), for the group named by `GroupName`/`GroupARN`. See `toTimeSeries` (@fluoro/model).
 * `ForecastStatistics` is accepted; no forecast is returned.
 */
export function getTimeSeriesServiceStatistics(store: Store) {
  return async ({ body }: { body: unknown }) => {
    const o = asObject(body);
    const startUs = requiredEpochUs(o, 'StartTime');
    const endUs = requiredEpochUs(o, 'EndTime');
    if (endUs <= startUs) throw invalidRequest('EndTime must be after StartTime');
    const period = o['Period'] ?? 60;
    if (typeof period !== 'number' || !PERIODS.has(period))
      throw invalidRequest('Period must be 60, 300 or 3600 (seconds)');
    const periodUs = period * 1e6;
    if ((endUs - startUs) / periodUs > MAX_BUCKETS)
      throw invalidRequest(`the time range spans more than ${MAX_BUCKETS} periods of ${period} s`);
    let selector: ReturnType<typeof parseEntitySelector>;
    try {
      selector = parseEntitySelector(optionalString(o, 'EntitySelectorExpression'));
    } catch (e) {
      if (e instanceof EntitySelectorError) throw invalidRequest(`EntitySelectorExpression: ${e.message}`);
      throw e;
    }
    const ast = await groupFilter(store, o);
    const rows = await loadGraphStats(store, { startUs, endUs, periodUs }, ast);
    return { TimeSeriesServiceStatistics: toTimeSeries(rows, selector), ContainsOldGroupVersions: false };
  };
}
