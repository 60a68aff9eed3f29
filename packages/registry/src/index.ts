export { type CopyScopeOptions, GlobalScopeRegistry, type Quota, type ScopeQuota, type ScopeStatsAcross } from './registry.js';
