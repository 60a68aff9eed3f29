export { type CopyScopeOptions, GlobalScopeRegistry } from './registry.js';
