/**
 * The rule catalog: every room under audits/ (checked by test/catalog.test.ts). Codes are forever;
 * a retired rule keeps its code reserved. `npm run new-rule -- <category>/<name>` scaffolds a room and
 * adds it here: one import and one entry in RULES, after the rules of its category.
 */
import type { Rule } from '../src/audit/rule.js';
import suppressionWithoutReason from './suppression/suppression-without-reason/rule.js';
import syntaxError from './engine/syntax-error/rule.js';
import unknownSuppressionCode from './suppression/unknown-suppression-code/rule.js';
import unusedSuppression from './suppression/unused-suppression/rule.js';
import manualModelLoad from './load/manual-model-load/rule.js';
import trustRemoteCode from './load/trust-remote-code/rule.js';
import chatTemplateApplied from './template/chat-template-applied/rule.js';
import chatTemplateInstalled from './template/chat-template-installed/rule.js';
import conversationalDatasetToTrainer from './template/conversational-dataset-to-trainer/rule.js';
import chatTemplateOnTrainingRecords from './template/chat-template-on-training-records/rule.js';
import specialTokensAdded from './tokens/special-tokens-added/rule.js';
import templatedTextRetokenized from './tokens/templated-text-retokenized/rule.js';
import specialTokenLiteral from './tokens/special-token-literal/rule.js';
import defaultSpecialTokens from './tokens/default-special-tokens/rule.js';
import deprecatedScriptCall from './scripts/deprecated-script-call/rule.js';
import missingScriptCall from './scripts/missing-script-call/rule.js';
import placeholderFallbackData from './data/placeholder-fallback-data/rule.js';
import storedPromptMismatch from './data/stored-prompt-mismatch/rule.js';
import nearDuplicateFunction from './dup/near-duplicate-function/rule.js';

export const RULES: readonly Rule[] = [
  manualModelLoad,
  trustRemoteCode,
  chatTemplateApplied,
  chatTemplateInstalled,
  conversationalDatasetToTrainer,
  chatTemplateOnTrainingRecords,
  specialTokensAdded,
  templatedTextRetokenized,
  specialTokenLiteral,
  defaultSpecialTokens,
  deprecatedScriptCall,
  missingScriptCall,
  placeholderFallbackData,
  storedPromptMismatch,
  nearDuplicateFunction,
  syntaxError,
  unusedSuppression,
  suppressionWithoutReason,
  unknownSuppressionCode,
] as readonly Rule[];

/**
 * The folder of each rule's room, relative to audits/: `<category>/<name>`, so a rule is registered once,
 * in RULES (for `explain`, docs and the catalog test, which fails for a room on disk missing from RULES).
 */
export const RULE_ROOMS: Readonly<Record<string, string>> = Object.fromEntries(RULES.map((rule) => [rule.code, `${rule.category}/${rule.name}`]));
