/**
 * The rule API: what a rule declares, and the context it checks one file through. Rules read facts and ask
 * the context about models, loaders and the project; they never touch the parser.
 */

import type { CodeRole, Severity } from '../schemas/config.js';
import type { Fix } from '../schemas/finding.js';
import type { RuleMeta } from '../schemas/rule.js';
import { ruleMetaProblems } from '../schemas/rule-values.js';
import { BugError } from '../core/errors.js';
import type { NearDuplicate } from '../schemas/similar.js';
import type { CallFact, FileFacts, Span, SuppressionFact } from '../analysis/facts.js';
import type { ModelVerdict, Project } from './project.js';

export type { NearDuplicate };

export interface Report<M extends string> {
  span: Span;
  messageId: M;
  data?: Record<string, string>;
  /** Overrides the rule's default severity (template rules lower it for unknown models). */
  severity?: Severity;
  /**
   * Edits that remove the problem (audit/fixes.ts builds them from `ctx.source()`), in the lines and columns
   * of the file as the rule sees it; the engine places a notebook's in their cells.
   */
  fix?: Fix;
}

/** What a rule of any phase sees: one file, the project around it, and `report`. Never the parser. */
export interface RuleContext<M extends string = string> {
  readonly file: FileFacts;
  /**
   * What the file is for (audit/roles.ts). Findings in `test` code are dropped or lowered by the engine
   * (`test-code-severity`), so a rule reads this only to judge code by its intent.
   */
  readonly role: CodeRole;
  readonly project: Project;
  /** The rule's severity as configured (its own unless `severity` overrides it); what `report` uses by default. */
  readonly severity: Severity;
  report(finding: Report<M>): void;
  /**
   * The file's text as its findings' spans count lines and columns (a notebook's code cells joined), read on
   * first use: what a fix's edits are built from. Empty for a file the run has no text of.
   */
  source(): string;
  /** Whether a code or prefix names a rule of the catalog. */
  isKnownCode(code: string): boolean;
  /** Preview behaviour is on for this rule (`preview = true`, or the rule selected by its full code). */
  readonly preview: boolean;
  /** Whether a rule code runs on this file (selected, not ignored for its path). */
  isEnabled(code: string): boolean;
}

/** What a `file` rule (the default phase) sees: the file's facts, and its models and loaders. */
export interface FileContext<M extends string = string> extends RuleContext<M> {
  /** True when `scope` (a def qualname in this file, or `<module>`) is inside a sanctioned loader. */
  inSanctionedLoader(scope: string): boolean;
  /** Which model a call acts on, as far as the file shows. */
  modelOf(call: CallFact): ModelVerdict;
}

/** What an `after` rule sees once the file's other findings are in and suppressions applied (`file` holds only its suppressions). */
export interface AfterContext<M extends string = string> extends RuleContext<M> {
  /** Which codes each suppression comment of the file silenced. */
  readonly suppressionsUsed: ReadonlyMap<SuppressionFact, ReadonlySet<string>>;
}

/** What a `project` rule sees: what the engine computed across files for this one (`file` holds no facts). */
export interface ProjectContext<M extends string = string> extends RuleContext<M> {
  /** This file's functions that nearly duplicate another function, best match each. */
  readonly duplicates: readonly NearDuplicate[];
}

export type RulePhase = NonNullable<RuleMeta['phase']>;

/** The context a rule of `phase` checks through (no phase: a `file` rule). */
export type ContextFor<P extends RulePhase | undefined, M extends string> = P extends 'after'
  ? AfterContext<M>
  : P extends 'project'
    ? ProjectContext<M>
    : FileContext<M>;

interface RuleBase<M extends string> extends Omit<RuleMeta, 'phase' | 'messages'> {
  messages: Record<M, string>;
  /** A last, finer text test on a Python file that passed `triggers`/`requires` (still no parsing). */
  prefilter?(text: string): boolean;
}

export interface FileRule<M extends string = string> extends RuleBase<M> {
  phase?: 'file';
  check(ctx: FileContext<M>): void;
}

export interface AfterRule<M extends string = string> extends RuleBase<M> {
  phase: 'after';
  check(ctx: AfterContext<M>): void;
}

export interface ProjectRule<M extends string = string> extends RuleBase<M> {
  phase: 'project';
  check(ctx: ProjectContext<M>): void;
}

export type Rule<M extends string = string> = FileRule<M> | AfterRule<M> | ProjectRule<M>;

/**
 * Declares a rule, checking its metadata by hand (`ruleMetaProblems`, the constraints of `RuleMetaSchema`
 * without loading zod): a mistake fails as the catalog loads, naming the rule and the key.
 */
export function defineRule<const M extends Record<string, string>, const P extends RulePhase | undefined = undefined>(
  rule: Omit<RuleMeta, 'messages' | 'phase'> & {
    phase?: P;
    messages: M;
    prefilter?(text: string): boolean;
    check(ctx: ContextFor<P, keyof M & string>): void;
  },
): Rule<keyof M & string> {
  const { check: _check, prefilter: _prefilter, ...meta } = rule;
  const problems = ruleMetaProblems(meta);
  if (problems.length > 0) throw new BugError(`rule ${String(rule.code)} (${String(rule.name)}): invalid metadata: ${problems.join('; ')}`);
  return rule as unknown as Rule<keyof M & string>;
}

/** The end of a template rule's message: why the model matters (a base model, or one not known to be instruct). */
export function modelWhy(verdict: ModelVerdict): string {
  return verdict.kind === 'base' ? `the model is a base model (${verdict.reason})` : `nothing shows the model is an instruct model (${verdict.reason})`;
}

/**
 * Severity for a template/token rule given the model: the rule's configured one for base models, none for
 * instruct models, the project's unknown-model severity otherwise (none when it is `off`).
 */
export function severityForModel(ctx: Pick<RuleContext, 'severity' | 'project'>, verdict: ModelVerdict): Severity | null {
  if (verdict.kind === 'instruct') return null;
  if (verdict.kind === 'base') return ctx.severity;
  return ctx.project.unknownModelSeverity === 'off' ? null : ctx.project.unknownModelSeverity;
}

/**
 * The severity of a note about training on a model (TMPL003, TMPL004): the rule's own (info unless the
 * project raised it) for a base model, never above info for one not known to be base, none for instruct.
 */
export function noteSeverity(ctx: Pick<RuleContext, 'severity' | 'project'>, verdict: ModelVerdict): Severity | null {
  const severity = severityForModel(ctx, verdict);
  return severity === null ? null : verdict.kind === 'base' ? severity : 'info';
}

/** `a.b.c` → `c`. */
export function lastSegment(qname: string): string {
  const i = qname.lastIndexOf('.');
  return i < 0 ? qname : qname.slice(i + 1);
}

/** `tok.apply_chat_template` → `tok`; `f` → ''. */
export function receiverOf(qname: string): string {
  const i = qname.lastIndexOf('.');
  return i < 0 ? '' : qname.slice(0, i);
}

/** True when `inner` lies within `outer`: a call inside another call's arguments or an assignment's value. */
export function spanContains(outer: Span, inner: Span): boolean {
  const startsBefore = outer.line < inner.line || (outer.line === inner.line && outer.col <= inner.col);
  const endsAfter = outer.endLine > inner.endLine || (outer.endLine === inner.endLine && outer.endCol >= inner.endCol);
  return startsBefore && endsAfter;
}

/** Fills `{{name}}` placeholders of a message template. */
export function renderMessage(template: string, data: Record<string, string> = {}): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => data[key] ?? `{{${key}}}`);
}
