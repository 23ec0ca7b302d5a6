/**
 * The judgement of `provenant investigate`, apart from the gathering: from the facts about a legacy file
 * (when it appeared, whether it holds model output, the sanctioned loader's first commit, the ranked
 * candidate producers) to a verdict with its reason, the evidence table a person reads, and its text form.
 * A file made before the clean loader existed that holds model output, or whose likely producer is
 * deprecated, is quarantined; instructions alone, or a producer that cannot be named, are suspect; a file
 * made after the loader by a script that goes through it is plausibly clean.
 */
import type { DatedCommit } from '../core/git-history.js';
import type { InvestigateCandidate, InvestigateReport } from '../schemas/provenance-reports.js';
import type { Investigation } from '../schemas/stamp.js';

/** Fields that hold what a model wrote (responses, pair sides, completions). */
export const OUTPUT_FIELDS: ReadonlySet<string> = new Set([
  'response', 'responses', 'chosen', 'rejected', 'completion', 'completions', 'output', 'outputs', 'generation',
  'generations', 'generated', 'generated_text', 'formatted_text', 'model_output', 'prediction', 'predictions',
]);

export interface Loader {
  /** The configured dotted name. */
  name: string;
  path: string;
  /** The module's last name, as scripts import it. */
  module: string;
  added: DatedCommit | null;
}

export interface Facts {
  path: string;
  size: number;
  records: number | null;
  problem: string | null;
  fields: string[];
  outputs: string[];
  firstSeen: { source: 'git' | 'mtime'; commit: string | null; date: string };
  loader: Loader | null;
  candidates: InvestigateCandidate[];
  scriptsThen: number | null;
}

type Verdict = Investigation['verdict'];

const day = (iso: string): string => iso.slice(0, 10);

function likely(facts: Facts, threshold: number): InvestigateCandidate | undefined {
  return facts.candidates.find((c) => c.existedThen && c.score >= threshold);
}

/** Whole days from a to b (negative: b is earlier). */
function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
}

export function predatesLoader(facts: Facts): boolean | null {
  if (!facts.loader?.added) return null;
  return Date.parse(facts.firstSeen.date) < Date.parse(facts.loader.added.date);
}

export function decide(facts: Facts, threshold: number): { verdict: Verdict; reason: string } {
  const best = likely(facts, threshold);
  const predates = predatesLoader(facts);
  const loader = facts.loader;
  const producer = best ? `its likely producer ${best.path}` : null;
  if (predates && loader?.added) {
    const since = `predates the clean loader (${loader.path}, first committed ${day(loader.added.date)})`;
    if (facts.outputs.length) return { verdict: 'quarantine', reason: `${since} and holds model output (${facts.outputs.join(', ')}): quarantine` };
    if (best?.status === 'deprecated') return { verdict: 'quarantine', reason: `${since}, and ${producer} is deprecated: quarantine` };
    return { verdict: 'suspect', reason: `${since}, but holds no model output (no response, chosen, rejected or completion fields): review before reuse` };
  }
  if (best?.status === 'deprecated') return { verdict: 'quarantine', reason: `${producer} is deprecated: quarantine` };
  if (!loader) return { verdict: 'suspect', reason: 'no sanctioned loader is configured or found, so nothing dates the file as clean' };
  if (!loader.added) return { verdict: 'suspect', reason: `the sanctioned loader ${loader.path} is not committed, so nothing dates the file against it` };
  if (!best) return { verdict: 'suspect', reason: `no script that existed when it appeared writes records with these fields` };
  if (best.bugs.length) return { verdict: 'suspect', reason: `${producer} had known bugs when it was made: ${best.bugs.join('; ')}` };
  if (facts.outputs.length && best.usesLoader === false) return { verdict: 'suspect', reason: `${producer} does not load the model through the sanctioned loader` };
  return { verdict: 'plausible-clean', reason: `made after the clean loader existed, most likely by ${best.path} (${best.usesLoader ? 'which goes through the sanctioned loader' : 'no model output'})` };
}

function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function evidenceTable(facts: Facts, verdict: Verdict, threshold: number): Investigation['evidence'] {
  const rows: Investigation['evidence'] = [];
  const add = (question: string, answer: string): void => void rows.push({ question, answer });
  add('What is it?', facts.records === null ? `a file of ${sizeText(facts.size)} (not JSONL: no field set to match)` : `JSONL, ${facts.records} records, ${sizeText(facts.size)}${facts.problem ? ` (${facts.problem})` : ''}`);
  if (facts.records !== null) add('Which fields do its records have?', facts.fields.join(', ') || 'none');
  add('Does it hold model output?', facts.outputs.length ? `yes: ${facts.outputs.join(', ')}` : 'no: no response, chosen, rejected or completion fields (instructions or metadata only)');
  const seen = facts.firstSeen;
  add('When did it first appear?', seen.source === 'git' ? `${day(seen.date)}, commit ${seen.commit?.slice(0, 7)} (the first commit adding it)` : `${day(seen.date)} by its modification time (not in git: weak evidence, a copy or checkout resets it)`);
  const loader = facts.loader;
  add('Which is the sanctioned loader, since when?', !loader ? 'none configured or found (sanctioned-loaders in [tool.provenant])' : loader.added ? `${loader.path} (${loader.name}), first committed ${day(loader.added.date)} (${loader.added.commit.slice(0, 7)})` : `${loader.path} (${loader.name}), not committed`);
  const predates = predatesLoader(facts);
  if (predates !== null && loader?.added) {
    const days = daysBetween(seen.date, loader.added.date);
    add('Does the file predate the loader?', predates ? `yes, by ${days >= 1 ? `${days} day(s)` : 'less than a day'}` : `no, it appeared ${-days >= 1 ? `${-days} day(s)` : 'less than a day'} after`);
  }
  add('Which scripts existed then?', facts.scriptsThen === null ? 'unknown: no git history before the file' : `${facts.scriptsThen} Python script(s) at that commit`);
  const best = likely(facts, threshold);
  const top = facts.candidates[0];
  const tie = best ? facts.candidates.filter((c) => c !== best && c.existedThen && c.score === best.score) : [];
  add(
    'Which script most likely wrote it?',
    best
      ? `${best.path} (field overlap ${best.score.toFixed(2)}${best.score === 1 ? ': exact' : ''})${tie.length ? `; as likely: ${tie.map((c) => c.path).join(', ')}` : ''}`
      : `none that existed then writes records like these${top ? ` (closest: ${top.path} at ${top.score.toFixed(2)}${top.existedThen ? '' : ', added later'})` : ''}`,
  );
  if (best) {
    const why = best.reasons.find((r) => r.startsWith('deprecated: '));
    add('Its status now?', why ? `deprecated (${why.slice('deprecated: '.length)})` : best.status);
    if (best.usesLoader !== null) add('Did it go through the sanctioned loader?', best.usesLoader ? 'yes' : 'no');
  }
  const bugs = facts.candidates.filter((c) => c.bugs.length).map((c) => `${c.path}: ${c.bugs.join('; ')}`);
  add('Known bugs of the candidates?', bugs.length ? bugs.join(' | ') : 'none recorded');
  add('Verdict', verdict);
  return rows;
}

/** The report as a person reads it: the table, the candidates, the verdict. */
export function renderInvestigationText(report: InvestigateReport): string {
  const width = Math.max(...report.evidence.map((e) => e.question.length));
  const lines = [`investigation of ${report.path}`, ''];
  for (const e of report.evidence) lines.push(`  ${e.question.padEnd(width)}  ${e.answer}`);
  if (report.candidates.length) {
    lines.push('', 'candidates (field overlap, best first):');
    for (const c of report.candidates.slice(0, 6)) {
      lines.push(`  ${c.score.toFixed(2)}  ${c.path}${c.existedThen ? '' : '  (added later)'}`);
      for (const r of c.reasons) lines.push(`          - ${r}`);
    }
  }
  lines.push('', `verdict: ${report.verdict} — ${report.reason}`);
  if (report.recorded) lines.push(`recorded a legacy stamp: ${report.recorded}`);
  return lines.join('\n') + '\n';
}
