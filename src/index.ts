/**
 * provenant's library API. The CLI, the tests and integrations call only this module.
 */
export { audit, audit as auditProject, type AuditOptions, type AuditResult } from './audit/engine.js';
export { initProject, type InitResult, type InferredModel } from './audit/init.js';
export { listRules, explainRule, type RuleInfo } from './audit/catalog.js';
export { loadConfig } from './core/config.js';
export { UserError, BugError } from './core/errors.js';
export { loadPythonFrontEnd } from './analysis/python/index.js';
export type { FileFacts, CallFact, Span } from './analysis/facts.js';
export type { Finding, AuditReport } from './schemas/finding.js';
export type { Config, Severity } from './schemas/config.js';
export { toReport, exitCodeFor } from './audit/report.js';
export { installHook, uninstallHook, hookStatus, type HookStatus, type InstallHookResult, type UninstallHookResult } from './hooks/install.js';
export { BASELINE_FILE } from './audit/baseline-file.js';
export const VERSION = '0.1.0';
