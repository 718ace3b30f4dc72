import { toServiceGraph } from '@fluoro/model';
import type { Store } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { asObject, optionalString, requiredEpochUs } from '../http/read-input.js';
import { groupFilter, loadGraphStats } from './graph-source.js';

/** Services per GetServiceGraph / GetTraceGraph page. */
export const SERVICES_PER_PAGE = 1000;

/**
 * GetServiceGraph (POST /ServiceGraph): the services and edges of every trace entity that
 * started in [StartTime, EndTime), for the group named by `GroupName`/`GroupARN` when given.
 * See `toServiceGraph` (@fluoro/model) for the nodes, statistics and histograms.
 */
export function getServiceGraph(store: Store) {
  return async ({ body }: { body: unknown }) => {
    const o = asObject(body);
    const startUs = requiredEpochUs(o, 'StartTime');
    const endUs = requiredEpochUs(o, 'EndTime');
    if (endUs <= startUs) throw invalidRequest('EndTime must be after StartTime');
    const ast = await groupFilter(store, o);
    const services = toServiceGraph(await loadGraphStats(store, { startUs, endUs }, ast));
    return {
      StartTime: startUs / 1e6,
      EndTime: endUs / 1e6,
      ...pageOf(services, optionalString(o, 'NextToken')),
      ContainsOldGroupVersions: false,
    };
  };
}

/** One page of services and the token of the next; the token is the next page's offset. */
export function pageOf<T>(services: T[], token: string | undefined): { Services: T[]; NextToken?: string } {
  let offset = 0;
  if (token !== undefined) {
    offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0)
      throw invalidRequest('NextToken is not one this server issued');
  }
  const next = offset + SERVICES_PER_PAGE;
  return {
    Services: services.slice(offset, next),
    ...(next < services.length ? { NextToken: Buffer.from(String(next)).toString('base64url') } : {}),
  };
}
