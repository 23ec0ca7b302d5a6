/**
 * provenant's library API. The CLI, the tests and integrations call only this module.
 */
export { audit, audit as auditProject, type AuditOptions, type AuditResult } from './audit/engine.js';
export type { InitResult, InferredModel } from './audit/init.js';
export { listRules, explainRule, type RuleInfo } from './audit/catalog.js';
export { loadConfig } from './config/config.js';
export { UserError, BugError } from './core/errors.js';
export type { PythonFrontEnd } from './analysis/python/index.js';
export type { FileFacts, CallFact, Span } from './analysis/facts.js';
export type { Finding, AuditReport, Fix, FixEdit, FixApplicability } from './schemas/finding.js';
export { FixSchema, FIX_APPLICABILITIES } from './schemas/finding.js';
export type { Config, Severity } from './schemas/config.js';
export { toReport, exitCodeFor } from './audit/report.js';
export type { HookStatus, InstallHookResult, UninstallHookResult } from './hooks/install.js';
export { BASELINE_FILE } from './audit/baseline-file.js';
export { VERSION } from './version.js';

// Entry points most runs never take load their modules on first use, so `provenant audit` in a
// pre-commit hook does not pay for them.
type Init = typeof import('./audit/init.js');
type Hooks = typeof import('./hooks/install.js');
type Python = typeof import('./analysis/python/index.js');

/** Infers the sanctioned loader and models and writes them into the config (see `provenant init`). */
export async function initProject(...args: Parameters<Init['initProject']>): ReturnType<Init['initProject']> {
  return (await import('./audit/init.js')).initProject(...args);
}

/** The Python front end on its own: facts for one file at a time. */
export async function loadPythonFrontEnd(): ReturnType<Python['loadPythonFrontEnd']> {
  return (await import('./analysis/python/index.js')).loadPythonFrontEnd();
}

type Fixes = typeof import('./audit/fix-run.js');
export type { FixOptions, FixRun } from './audit/fix-run.js';

/** An audit that applies its fixes (`--fix`), shows them (`--diff`) or suppresses every finding (`--add-suppressions`). */
export async function auditAndFix(...args: Parameters<Fixes['auditAndFix']>): ReturnType<Fixes['auditAndFix']> {
  return (await import('./audit/fix-run.js')).auditAndFix(...args);
}

export async function installHook(...args: Parameters<Hooks['installHook']>): Promise<ReturnType<Hooks['installHook']>> {
  return (await import('./hooks/install.js')).installHook(...args);
}

export async function uninstallHook(...args: Parameters<Hooks['uninstallHook']>): Promise<ReturnType<Hooks['uninstallHook']>> {
  return (await import('./hooks/install.js')).uninstallHook(...args);
}

export async function hookStatus(...args: Parameters<Hooks['hookStatus']>): Promise<ReturnType<Hooks['hookStatus']>> {
  return (await import('./hooks/install.js')).hookStatus(...args);
}

// The implementation registry: sync, check, search and show, loaded on first use.
type RegistryIndex = typeof import('./registry/index.js');
export type {
  SyncResult,
  SyncCounts,
  CheckResult,
  CheckProblem,
  SearchHit,
  SearchResult,
  ShowResult,
  Coverage as RegistryCoverage,
  RegistryOptions,
  StaleAnnotation,
} from './registry/index.js';
export type { RegistryEntry } from './schemas/registry.js';

/** Scans every registered file and writes the index and the generated Markdown (`provenant registry sync`). */
export async function syncRegistry(...args: Parameters<RegistryIndex['syncRegistry']>): ReturnType<RegistryIndex['syncRegistry']> {
  return (await import('./registry/index.js')).syncRegistry(...args);
}

/** What `provenant registry check` fails on: stale Markdown, low coverage, stale annotations, deprecated uses. */
export async function checkRegistry(...args: Parameters<RegistryIndex['checkRegistry']>): ReturnType<RegistryIndex['checkRegistry']> {
  return (await import('./registry/index.js')).checkRegistry(...args);
}

/** Ranked full-text search over the registry, refreshing the index first when it is out of date. */
export async function searchRegistry(...args: Parameters<RegistryIndex['searchRegistry']>): ReturnType<RegistryIndex['searchRegistry']> {
  return (await import('./registry/index.js')).searchRegistry(...args);
}

/** One registry entry in full. */
export async function showRegistryEntry(...args: Parameters<RegistryIndex['showRegistryEntry']>): ReturnType<RegistryIndex['showRegistryEntry']> {
  return (await import('./registry/index.js')).showRegistryEntry(...args);
}

// The registry's human side: the annotations file, the legacy import and the edit commands, loaded on first use.
type RegistryEdit = typeof import('./registry/edit.js');
type RegistryLegacy = typeof import('./registry/legacy.js');
type RegistryAnnotations = typeof import('./registry/annotations.js');
export type { EditResult, EditTarget, DeprecateOptions, CanonicalOptions, BugOptions } from './registry/edit.js';
export type { ImportLegacyOptions } from './registry/legacy.js';
export type { LoadedAnnotations } from './registry/annotations.js';
export type { Annotation, AnnotationsFile, KnownBug, LegacyImportReport } from './schemas/registry.js';

/** Reads and validates the annotations file (`provenant-registry.yaml`). */
export async function loadAnnotations(...args: Parameters<RegistryAnnotations['loadAnnotations']>): ReturnType<RegistryAnnotations['loadAnnotations']> {
  return (await import('./registry/annotations.js')).loadAnnotations(...args);
}

/** Reads a hand-written registry into the annotations file (`provenant registry import`). */
export async function importLegacyRegistry(...args: Parameters<RegistryLegacy['importLegacyRegistry']>): ReturnType<RegistryLegacy['importLegacyRegistry']> {
  return (await import('./registry/legacy.js')).importLegacyRegistry(...args);
}

/** Marks a file deprecated, with its replacement and the reason (`provenant registry deprecate`). */
export async function deprecateScript(...args: Parameters<RegistryEdit['deprecateScript']>): ReturnType<RegistryEdit['deprecateScript']> {
  return (await import('./registry/edit.js')).deprecateScript(...args);
}

/** Makes a file the canonical implementation of a capability (`provenant registry canonical`). */
export async function markCanonical(...args: Parameters<RegistryEdit['markCanonical']>): ReturnType<RegistryEdit['markCanonical']> {
  return (await import('./registry/edit.js')).markCanonical(...args);
}

/** Records a known bug of a file, with the revision that fixed it (`provenant registry bug add`). */
export async function addKnownBug(...args: Parameters<RegistryEdit['addKnownBug']>): ReturnType<RegistryEdit['addKnownBug']> {
  return (await import('./registry/edit.js')).addKnownBug(...args);
}

// Near-duplicate functions (`provenant registry similar`), loaded on first use.
type Similar = typeof import('./registry/similar.js');
export type { SimilarOptions, SimilarResult } from './registry/similar.js';
export type { SimilarReport, SimilarPair } from './schemas/similar.js';

/** Functions elsewhere in the project that nearly duplicate a file's functions, best first. */
export async function findSimilar(...args: Parameters<Similar['findSimilar']>): ReturnType<Similar['findSimilar']> {
  return (await import('./registry/similar.js')).findSimilar(...args);
}

// The terminal browser (`provenant tui`): its data side and ink/React load only when it runs.
type Tui = typeof import('./ui/browser/run.js');
export type { TuiOptions, TuiStreams } from './ui/browser/run.js';
export type { Artifact, ArtifactSource, BrowseRow } from './ui/browser/data.js';
export type { EditCommand, EditReport } from './ui/browser/actions.js';
export type { EditRequest } from './ui/browser/prompt.js';

/** Browses the registry in the terminal, or prints it as a plain table when stdout is not a terminal; returns the exit code. */
export async function runTui(...args: Parameters<Tui['runTui']>): ReturnType<Tui['runTui']> {
  return (await import('./ui/browser/run.js')).runTui(...args);
}

// Provenance: stamps, verification and keys, loaded on first use.
type ProvRun = typeof import('./provenance/run.js');
type ProvVerify = typeof import('./provenance/verify.js');
export type { RunOptions, RunResult } from './provenance/run.js';
export type { VerifyOptions } from './provenance/verify.js';
export type { Statement, Verdict, VerifyReport, VerifyResult, Attestation } from './schemas/stamp.js';

/** Runs a command and stamps its outputs (`provenant run`). */
export { readParameters } from './provenance/job.js';

export async function runAndStamp(...args: Parameters<ProvRun['runAndStamp']>): ReturnType<ProvRun['runAndStamp']> {
  return (await import('./provenance/run.js')).runAndStamp(...args);
}

/** A verdict for each artifact (`provenant verify`). */
export async function verifyArtifacts(...args: Parameters<ProvVerify['verifyPaths']>): ReturnType<ProvVerify['verifyPaths']> {
  return (await import('./provenance/verify.js')).verifyPaths(...args);
}

/** Makes a signing key pair: private outside the project, public in its keys folder (`provenant keys init`). */
export async function initSigningKey(options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<import('./provenance/keys.js').KeyInitResult> {
  const [{ loadConfig }, { initKey }] = await Promise.all([import('./config/config.js'), import('./provenance/keys.js')]);
  const { config, root } = await loadConfig({ cwd: options.cwd });
  return initKey(root, config.provenance.keysDir, options.env);
}

// Provenance, read side: lineage, a stamp's history, legacy investigations, the ledger's rebuild and the
// Python helper, loaded on first use.
type ProvLineage = typeof import('./provenance/lineage.js');
type ProvHistory = typeof import('./provenance/history.js');
type ProvRebuild = typeof import('./provenance/rebuild.js');
export type { LineageOptions } from './provenance/lineage.js';
export type { LogOptions } from './provenance/history.js';
export type { RebuildOptions } from './provenance/rebuild.js';
export type { LineageNode, LineageReport, LogEntry, LogReport, InvestigateReport, RebuildReport } from './schemas/provenance-reports.js';

/** The tree of an artifact's inputs (or, `down`, its consumers) from the stamps (`provenant lineage`). */
export async function artifactLineage(...args: Parameters<ProvLineage['lineage']>): ReturnType<ProvLineage['lineage']> {
  return (await import('./provenance/lineage.js')).lineage(...args);
}

/** A lineage report as an indented tree or a Mermaid `graph TD` block. */
export async function formatLineage(report: import('./schemas/provenance-reports.js').LineageReport, format: 'text' | 'mermaid'): Promise<string> {
  const m = await import('./provenance/lineage.js');
  const { printableLines } = await import('./core/display.js');
  return format === 'mermaid' ? m.renderLineageMermaid(report) : printableLines(m.renderLineageText(report));
}

/** Every stamp the ledger has for a path, newest first, and the sidecar's git history (`provenant log`). */
export async function stampLog(...args: Parameters<ProvHistory['stampLog']>): ReturnType<ProvHistory['stampLog']> {
  return (await import('./provenance/history.js')).stampLog(...args);
}

export async function formatStampLog(report: import('./schemas/provenance-reports.js').LogReport): Promise<string> {
  const { printableLines } = await import('./core/display.js');
  return printableLines((await import('./provenance/history.js')).renderLogText(report));
}

/** Restores the ledger from the sidecar stamps (`provenant ledger rebuild`). */
export async function rebuildLedger(...args: Parameters<ProvRebuild['rebuildLedger']>): ReturnType<ProvRebuild['rebuildLedger']> {
  return (await import('./provenance/rebuild.js')).rebuildLedger(...args);
}

export async function syncLedger(...args: Parameters<ProvRebuild['syncLedger']>): ReturnType<ProvRebuild['syncLedger']> {
  return (await import('./provenance/rebuild.js')).syncLedger(...args);
}

type ProvInvestigate = typeof import('./provenance/investigate.js');
export type { InvestigateOptions } from './provenance/investigate.js';

/** The provenance investigation of an unstamped legacy file: evidence, a verdict, optionally a legacy stamp (`provenant investigate`). */
export async function investigateLegacyFile(...args: Parameters<ProvInvestigate['investigate']>): ReturnType<ProvInvestigate['investigate']> {
  return (await import('./provenance/investigate.js')).investigate(...args);
}

export async function formatInvestigation(report: import('./schemas/provenance-reports.js').InvestigateReport): Promise<string> {
  const { printableLines } = await import('./core/display.js');
  return printableLines((await import('./provenance/investigate-verdict.js')).renderInvestigationText(report));
}

// Pipelines: plan and run a spec of stages through the stamping wrapper, loaded on first use.
type PipelinePlan = typeof import('./pipeline/plan.js');
type PipelineRunner = typeof import('./pipeline/runner.js');
export type { Plan, PlanStage, PreflightProblem, PipelineSpec } from './schemas/pipeline.js';
export type { PipelineRunOptions, PipelineRunResult, StageEvent, StageOutcome } from './pipeline/runner.js';

/** What is up to date, what will run, pre-flight problems and cost (`provenant pipeline plan`). */
export async function planPipeline(...args: Parameters<PipelinePlan['planPipeline']>): ReturnType<PipelinePlan['planPipeline']> {
  return (await import('./pipeline/plan.js')).planPipeline(...args);
}

/** Runs the pipeline's stages through the stamping wrapper (`provenant pipeline run`). */
export async function runPipeline(...args: Parameters<PipelineRunner['runPipeline']>): ReturnType<PipelineRunner['runPipeline']> {
  return (await import('./pipeline/runner.js')).runPipeline(...args);
}

export type { PipelineStatus, StatusRow, StatusOptions } from './pipeline/slurm/status.js';
export type { PipelineReport, ReportRow } from './pipeline/report.js';
export type { GateResult } from './pipeline/slurm/gate-result.js';
export { renderStatus } from './pipeline/slurm/status-text.js';
export { renderReport } from './pipeline/report-text.js';

/** The jobs of the latest SLURM submission: queued, running, done, failed and why (`provenant pipeline status`). */
export async function pipelineStatus(...args: Parameters<typeof import('./pipeline/slurm/status.js')['pipelineStatus']>): ReturnType<typeof import('./pipeline/slurm/status.js')['pipelineStatus']> {
  return (await import('./pipeline/slurm/status.js')).pipelineStatus(...args);
}

/** GPU hours estimated against those the stamps record (`provenant pipeline report`). */
export async function pipelineReport(...args: Parameters<typeof import('./pipeline/report.js')['pipelineReport']>): ReturnType<typeof import('./pipeline/report.js')['pipelineReport']> {
  return (await import('./pipeline/report.js')).pipelineReport(...args);
}

/** A pipeline job's stage key, computed on the node when the job starts (`provenant run --stage FILE`). */
export async function pipelineStageKey(...args: Parameters<typeof import('./pipeline/slurm/stage-key.js')['stageKeyNow']>): ReturnType<typeof import('./pipeline/slurm/stage-key.js')['stageKeyNow']> {
  return (await import('./pipeline/slurm/stage-key.js')).stageKeyNow(...args);
}

/** Evaluates a stage's gates now and records the outcome (`provenant pipeline gates`, what a SLURM gate job runs). */
export async function checkStageGates(...args: Parameters<typeof import('./pipeline/slurm/gate-job.js')['checkStageGates']>): ReturnType<typeof import('./pipeline/slurm/gate-job.js')['checkStageGates']> {
  return (await import('./pipeline/slurm/gate-job.js')).checkStageGates(...args);
}

export type { PipelineView, PipelineViewOptions } from './ui/pipeline-view.js';
export { renderStageEvent, renderRunSummary } from './ui/pipeline-progress-text.js';

/** A pipeline run's progress: a live ink view on a terminal (ink and React load only then), else plain lines. */
export async function startPipelineView(...args: Parameters<typeof import('./ui/pipeline-view.js')['startPipelineView']>): ReturnType<typeof import('./ui/pipeline-view.js')['startPipelineView']> {
  return (await import('./ui/pipeline-view.js')).startPipelineView(...args);
}

/** Writes the Python helper (attestations, `require_verified`) into the project (`provenant init --python-helper`). */
export async function installPythonHelper(...args: Parameters<typeof import('./provenance/python/helper.js')['writePythonHelper']>): ReturnType<typeof import('./provenance/python/helper.js')['writePythonHelper']> {
  return (await import('./provenance/python/helper.js')).writePythonHelper(...args);
}

// The CI gate before a GPU session, loaded on first use.
type Gate = typeof import('./pipeline/gate.js');
type GateReports = typeof import('./pipeline/gate-report.js');
export type { GateOptions, GateReport, GateCheck, GateProblem } from './pipeline/gate.js';

/** Audit, registry check and pipeline pre-flight in one pass/fail (`provenant gate`). */
export async function runGate(...args: Parameters<Gate['runGate']>): ReturnType<Gate['runGate']> {
  return (await import('./pipeline/gate.js')).runGate(...args);
}
export async function renderGateSarif(...args: Parameters<GateReports['renderGateSarif']>): ReturnType<GateReports['renderGateSarif']> {
  return (await import('./pipeline/gate-report.js')).renderGateSarif(...args);
}
/** Appends Markdown to `$GITHUB_STEP_SUMMARY` (nothing outside GitHub Actions). */
export async function writeStepSummary(markdown: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await import('./audit/reporters/github.js')).appendStepSummary(markdown, env);
}
export async function writeTextFile(...args: Parameters<GateReports['writeTextFile']>): ReturnType<GateReports['writeTextFile']> {
  return (await import('./pipeline/gate-report.js')).writeTextFile(...args);
}
export async function renderGateGithub(...args: Parameters<GateReports['renderGateGithub']>): Promise<string> {
  return (await import('./pipeline/gate-report.js')).renderGateGithub(...args);
}
export async function renderGateSummary(...args: Parameters<GateReports['renderGateSummary']>): Promise<string> {
  return (await import('./pipeline/gate-report.js')).renderGateSummary(...args);
}

// The local base-model guard (node-llama-cpp, an optional dependency), loaded on first use. The signatures
// name only src/llm/types.ts shapes, so these declarations never mention node-llama-cpp's types.
export type { ModelReport } from './llm/inspect.js';
export type { LocalModel, Sampling, Completion, ContinuationScore, TokenScore, OptionComparison, RuntimeOptions, SentinelOptions, SentinelReport } from './llm/types.js';
export type { ModelSentinelOptions } from './llm/index.js';
export type { GenerateOptions, GenerateResult } from './llm/generate.js';

/** A GGUF file's metadata, tokenizer, chat template and base-vs-instruct assessment, without loading weights (`provenant model inspect`). */
export async function inspectModel(file: string, options: { cwd?: string } = {}): Promise<import('./llm/inspect.js').ModelReport> {
  return (await import('./llm/inspect.js')).inspectModel(file, options);
}

/** A base model opened for attested raw completion, `scoreContinuation` and `compareOptions`; call `dispose()` when done. */
export async function openLocalModel(file: string, options: import('./llm/types.js').RuntimeOptions & { cwd?: string } = {}): Promise<import('./llm/types.js').LocalModel> {
  return (await import('./llm/index.js')).openLocalModel(file, options);
}

/** Proves the clean path is clean on the real runtime and writes the attestation (`provenant model sentinel`). */
export async function modelSentinel(options: import('./llm/index.js').ModelSentinelOptions): Promise<import('./llm/types.js').SentinelReport & { attestedTo: string[] }> {
  return (await import('./llm/index.js')).modelSentinel(options);
}

/** Few-shot completion data from a local base model, critic-filtered or as preference pairs, stamped (`provenant generate`). */
export async function generateDataset(options: import('./llm/generate.js').GenerateOptions): Promise<import('./llm/generate.js').GenerateResult> {
  return (await import('./llm/index.js')).generateDataset(options);
}

export async function formatModelReport(report: import('./llm/inspect.js').ModelReport): Promise<string> {
  return (await import('./llm/format.js')).formatModelReport(report);
}

export async function formatSentinel(report: import('./llm/types.js').SentinelReport, columns?: number): Promise<string> {
  return (await import('./llm/format.js')).formatSentinel(report, columns);
}

/** The artifacts a script produced and their verdicts today (the terminal browser's artifacts pane). */
export async function artifactsProducedBy(script: string, root: string): Promise<import('./provenance/produced.js').ProducedArtifact[]> {
  return (await import('./provenance/produced.js')).artifactsProducedBy(script, root);
}

// The editor server (`provenant server`): the LSP library loads only here.
type Server = typeof import('./server/index.js');
export type { ServerOptions } from './server/index.js';

/** Serves the audit and the registry to an editor over the streams (Language Server Protocol). */
export async function startServer(...args: Parameters<Server['startServer']>): Promise<ReturnType<Server['startServer']>> {
  return (await import('./server/index.js')).startServer(...args);
}
