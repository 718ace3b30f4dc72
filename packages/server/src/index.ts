export {
  type FluoroRole,
  type FluoroServer,
  type FluoroServerOptions,
  startFluoroServer,
} from './fluoro-server.js';
export { ApiError, invalidRequest } from './http/api-error.js';
export type { AuthToken, TokenRole } from './http/auth.js';
export type { BatchWriterOptions } from './ingest/batch-writer.js';
export { IngestStats } from './ingest/ingest-stats.js';
export { type DefaultSamplingRule, FLUORO_DEFAULT_SAMPLING } from './xray-api/sampling.js';
