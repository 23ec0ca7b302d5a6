/**
 * Module names from repo paths, as each front end writes the qualified names defined in a file: what the
 * project model and loader inference need without reaching into a front end.
 */

export { moduleNameOf } from './python/scopes.js';
export { importQname, moduleQname } from './typescript/paths.js';
