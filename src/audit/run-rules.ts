/**
 * Running rules on one file: each rule that reads the file's language and is not ignored for its path
 * gets the context of its phase (file, after, project) and reports into the file's findings.
 */
import type { CallFact, FileFacts, Language } from '../analysis/facts.js';
import { isRuleEnabled, previewFor, ruleMatches, severityFor } from '../config/rule-select.js';
import type { CodeRole, Config } from '../schemas/config.js';
import type { Finding } from '../schemas/finding.js';
import { FileModels } from './models.js';
import type { ModelVerdict, Project } from './project.js';
import { renderMessage, type FileRule, type Rule, type RuleContext } from './rule.js';

/** One file as every rule run on it sees it, and where its findings go. */
export interface FileRun {
  language: Language;
  path: string;
  role: CodeRole;
  facts: FileFacts;
  project: Project;
  config: Config;
  ignored: string[];
  knownCodes: ReadonlySet<string>;
  out: Finding[];
  /** The file's text as spans count it, for fixes; empty when the phase has none. */
  source?: () => string;
}

const noSource = (): string => '';

/**
 * Runs the `rules` that read the file's language and are not ignored for its path, each given the file's context
 * with what its phase sees (`extra`), built in one object literal per rule (a spread of the whole context per rule
 * and file cost the workers a fifth of their rules' time).
 */
export function runRules<R extends Rule, X extends object>(rules: readonly R[], run: FileRun, check: (rule: R, ctx: RuleContext & X) => void, extra: X): void {
  const { config, ignored, knownCodes, path } = run;
  const isKnownCode = (code: string): boolean => code === 'ALL' || [...knownCodes].some((k) => ruleMatches(k, [code]));
  const isEnabled = (code: string): boolean => isRuleEnabled(config, code) && !ruleMatches(code, ignored);
  const source = run.source ?? noSource;
  for (const rule of rules) {
    if (!rule.languages.includes(run.language)) continue;
    if (ignored.length && ruleMatches(rule.code, ignored)) continue;
    const configured = severityFor(config, rule.code, rule.severity);
    check(rule, {
      file: run.facts,
      role: run.role,
      project: run.project,
      severity: configured,
      report: (r) => {
        run.out.push({
          code: rule.code,
          name: rule.name,
          severity: r.severity ?? configured,
          message: renderMessage(rule.messages[r.messageId] ?? r.messageId, r.data),
          path,
          span: r.span,
          frame: [],
          fingerprint: '',
          ...(r.fix ? { fix: r.fix } : {}),
        });
      },
      source,
      isKnownCode,
      isEnabled,
      preview: previewFor(config, rule.code),
      ...extra,
    });
  }
}

export function runFileRules(rules: readonly FileRule[], run: FileRun): void {
  let models: FileModels | undefined;
  const inSanctionedLoader = (scope: string): boolean => run.project.inSanctionedLoader(run.path, scope);
  const modelOf = (call: CallFact): ModelVerdict => (models ??= new FileModels(run.facts, run.project)).verdictForCall(call);
  runRules(rules, run, (rule, ctx) => rule.check(ctx), { inSanctionedLoader, modelOf });
}
