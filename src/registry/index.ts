/**
 * The registry index's entry points (loaded lazily through src/index.ts, so an audit never loads them).
 */
export { syncRegistry, type SyncResult, type SyncCounts } from './sync.js';
export { checkRegistry, type CheckResult, type CheckProblem, type CheckProblemKind } from './check.js';
export { searchRegistry, showRegistryEntry, type SearchHit, type SearchResult, type SearchOptions, type ShowResult } from './search.js';
export type { Coverage, RegistryOptions } from './build.js';
export type { StaleAnnotation } from './resolve.js';
