export { type CopyScopeOptions, GlobalScopeRegistry, type Quota, type ScopeStatsAcross } from './registry.js';
