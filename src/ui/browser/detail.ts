/**
 * The detail pane's lines for one script: purpose and status (with the replacement to jump to), command
 * line, inputs and outputs, dependencies and dependents, git history, known bugs, the audit findings in
 * the file with Ruff-style code frames, and the artifacts it produced when a ledger is plugged in. A
 * file deleted since the last sync, an entry gone from the index and findings still loading each get a
 * line of their own instead of an error.
 */
import type { Finding } from '../../schemas/finding.js';
import type { RegistryEntry } from '../../schemas/registry.js';
import type { DetailExtras, EntryLookup } from './data.js';
import { badge, fit, wrap, type Line, type Seg, type Tint } from '../lines.js';

const LABEL = 10;

function heading(text: string, count?: number): Line[] {
  return [[], [{ text: count === undefined ? text : `${text} (${count})`, bold: true, color: 'blue' }]];
}

function field(label: string, text: string, width: number, tint: Partial<Seg> = {}): Line[] {
  return wrap(text, width - LABEL, LABEL).map((l, i) => [{ text: i === 0 ? label.padEnd(LABEL) : '', dim: true }, { ...tint, text: l }]);
}

function items(texts: readonly string[], width: number): Line[] {
  return texts.flatMap((t) => wrap(t, width - 2, 4).map((l): Line => [{ text: `  ${l}` }]));
}

function severityTint(severity: Finding['severity']): Tint {
  return severity === 'error' ? 'red' : severity === 'warning' ? 'yellow' : 'blue';
}

/** A finding and its code frame, as the text reporter draws it. */
export function findingLines(f: Finding): Line[] {
  const tint = severityTint(f.severity);
  // a notebook finding is placed by its cell, and its frame numbered by the cell's lines (as the text report)
  const at = f.cell?.line ?? f.span.line;
  const where = f.cell ? `cell ${f.cell.index}:${f.cell.line}` : String(f.span.line);
  const out: Line[] = [[{ text: `  ${where}:${f.span.col} ` }, { text: f.code, color: tint, bold: true }, { text: ` [${f.severity}] `, color: tint }, { text: f.message }]];
  const gutterWidth = String(f.frame[f.frame.length - 1]?.line ?? at).length;
  const gutter = (n: string): Seg => ({ text: `    ${n.padStart(gutterWidth)} | `, color: 'blue' });
  for (const l of f.frame) {
    out.push([gutter(String(l.line)), { text: l.text }]);
    if (l.line === at) {
      const start = f.span.col - 1;
      const end = f.span.endLine === f.span.line ? Math.max(f.span.endCol - 1, start + 1) : l.text.length;
      out.push([gutter(''), { text: ' '.repeat(start) }, { text: `${'^'.repeat(Math.max(1, end - start))} ${f.code}`, color: tint }]);
    }
  }
  return out;
}

function statusLines(e: RegistryEntry, width: number): Line[] {
  const out: Line[] = [[{ text: 'status'.padEnd(LABEL), dim: true }, badge(e.status), { text: e.statusSource === 'path' ? ' (by its path)' : '' }]];
  if (e.replacedBy) out.push([{ text: ''.padEnd(LABEL) }, { text: 'replaced by ' }, { text: e.replacedBy, bold: true, color: 'cyan' }, { text: '  (r: open it)', dim: true }]);
  if (e.reason) out.push(...field('reason', e.reason, width));
  if (e.canonicalFor.length) out.push(...field('canonical', `for ${e.canonicalFor.join(', ')}`, width));
  return out;
}

function cliLines(e: RegistryEntry, width: number): Line[] {
  const args = e.cli?.args ?? [];
  if (!e.cli || args.length === 0) return [];
  const texts = args.map((a) => {
    const extra = [a.type, a.default === null ? null : `default ${a.default}`, a.required ? 'required' : null].filter(Boolean).join(', ');
    return `${a.flags.join(', ')}${extra ? ` (${extra})` : ''}${a.help ? ` — ${a.help}` : ''}`;
  });
  return [...heading(`Command line, ${e.cli.framework}`, args.length), ...items(texts, width)];
}

function ioLines(e: RegistryEntry, width: number): Line[] {
  if (!e.reads.length && !e.writes.length) return [];
  return [...heading('Inputs and outputs'), ...items([...e.reads.map((r) => `reads  ${r}`), ...e.writes.map((w) => `writes ${w}`)], width)];
}

function linkLines(e: RegistryEntry, width: number): Line[] {
  const deps = [...e.imports.map((p) => `imports ${p}`), ...e.runs.map((p) => `runs    ${p}`)];
  const users = e.dependents.map((d) => `${d.path}:${d.cell ? `cell ${d.cell.index}:${d.cell.line}` : d.line} (${d.via})`);
  return [
    ...heading('Dependencies', deps.length),
    ...(deps.length ? items(deps, width) : [[{ text: '  none', dim: true }]]),
    ...heading('Dependents', users.length),
    ...(users.length ? items(users, width) : [[{ text: '  nothing in the project imports or runs it', dim: true }]]),
  ];
}

function gitLines(e: RegistryEntry, width: number): Line[] {
  if (!e.git) return [...heading('Git history'), [{ text: '  not in git history', dim: true }]];
  const g = e.git;
  const commits = g.commits === 1 ? '1 commit' : `${g.commits} commits`;
  return [...heading('Git history'), ...items([`added ${g.added}, last changed ${g.lastChanged} (${g.lastCommit})`, `${commits} by ${g.authors.join(', ')}`], width)];
}

function bugLines(e: RegistryEntry, width: number): Line[] {
  if (!e.bugs.length) return [];
  const texts = e.bugs.map((b) => `${b.summary}${b.fixed_in ? ` (fixed in ${b.fixed_in}; artifacts made before it are suspect)` : ' (not fixed)'}${b.found ? `, found ${b.found}` : ''}`);
  return [...heading('Known bugs', e.bugs.length), ...items(texts, width).map((l): Line => l.map((s) => ({ ...s, color: 'red' })))];
}

function findingsSection(extras: DetailExtras | undefined): Line[] {
  if (!extras) return [...heading('Audit findings'), [{ text: '  auditing the file…', dim: true }]];
  const f = extras.findings;
  if (!f.ok) return [...heading('Audit findings'), [{ text: `  not audited: ${f.error}`, color: 'yellow' }]];
  if (!f.findings.length) return [...heading('Audit findings', 0), [{ text: '  none', color: 'green' }]];
  return [...heading('Audit findings', f.findings.length), ...f.findings.flatMap(findingLines)];
}

function artifactLines(a: NonNullable<DetailExtras['artifacts']>, width: number, why: boolean): Line[] {
  if (!a.ok) return [...heading('Artifacts'), [{ text: `  unavailable: ${a.error}`, color: 'yellow' }]];
  if (!a.artifacts.length) return [...heading('Artifacts', 0), [{ text: '  none recorded: nothing it wrote was stamped (provenant run --out …)', dim: true }]];
  return [
    ...heading('Artifacts', a.artifacts.length),
    ...a.artifacts.flatMap((x): Line[] => {
      const ok = x.verdict === 'ok';
      const line: Line = [{ text: `  ${x.path}  ` }, { text: x.verdict, color: ok ? 'green' : 'red', bold: !ok }, { text: `  ${x.at}`, dim: true }];
      return why && !ok && x.reason ? [line, ...wrap(x.reason, width - 6, 6).map((l): Line => [{ text: `      ${l}`, dim: true }])] : [line];
    }),
  ];
}

function artifactsSection(extras: DetailExtras | undefined, enabled: boolean, width: number): Line[] {
  if (!enabled) return [];
  const a = extras?.artifacts;
  if (!a) return [...heading('Artifacts'), [{ text: '  reading the ledger…', dim: true }]];
  return artifactLines(a, width, false);
}

/** The artifacts pane (`a`): what the script produced, each with its verdict today and why when it is not ok. */
export function artifactsPane(path: string, extras: DetailExtras | undefined, hasArtifacts: boolean, width: number): Line[] {
  const head: Line[] = [[{ text: `artifacts of ${path}`, bold: true }]];
  const body: Line[] = !hasArtifacts
    ? [[], [{ text: 'no provenance ledger is plugged in here', color: 'yellow' }]]
    : extras?.artifacts
      ? artifactLines(extras.artifacts, width, true)
      : [...heading('Artifacts'), [{ text: '  reading the ledger and verifying…', dim: true }]];
  return [...head, ...body, [], [{ text: 'Esc goes back; `provenant lineage PATH` and `provenant verify PATH` say more.', dim: true }]].map((l) => fit(l, width));
}

/** Where each finding of the file starts in the detail pane (`row`) and its line in the file (`o` opens there). */
export interface Anchor {
  row: number;
  line: number;
}

/** The rows of the findings in `lines` as `detailLines` lays them out from `start` (the section's first row). */
function anchorsOf(extras: DetailExtras | undefined, start: number): Anchor[] {
  const f = extras?.findings;
  if (!f?.ok) return [];
  const anchors: Anchor[] = [];
  let row = start + 2; // the section's heading: a blank line and its title
  for (const finding of f.findings) {
    // a notebook finding's span is on the line of the notebook's JSON that holds its source line: an editor
    // opening the .ipynb lands there
    anchors.push({ row, line: finding.span.line });
    row += findingLines(finding).length;
  }
  return anchors;
}

/** Every line of the detail pane for `path`, each cut to `width`, and where its findings are. */
export function detailLines(path: string, lookup: EntryLookup, extras: DetailExtras | undefined, hasArtifacts: boolean, width: number): Line[] & { anchors: Anchor[] } {
  const e = lookup.entry;
  const out: Line[] = [[{ text: path, bold: true }]];
  if (lookup.missing) out.push([{ text: '! the file was deleted since the last sync; showing what the index remembers', color: 'red', bold: true }]);
  if (!e) {
    out.push([{ text: 'not in the registry index any more; run `provenant registry sync`', color: 'yellow' }]);
    return Object.assign(out.map((l) => fit(l, width)), { anchors: [] });
  }
  out.push(
    ...field('purpose', e.purpose ?? '(undocumented: add a docstring or a purpose in the annotations file)', width, e.purpose ? {} : { dim: true }),
    ...statusLines(e, width),
    ...field('kind', `${e.kind} (${e.language})${e.entryPoint ? ', entry point' : ''}${e.parseErrors ? `, ${e.parseErrors} syntax errors` : ''}`, width),
  );
  if (e.owner) out.push(...field('owner', e.owner, width));
  if (e.notes) out.push(...field('notes', e.notes, width));
  out.push(...bugLines(e, width), ...cliLines(e, width), ...ioLines(e, width), ...linkLines(e, width), ...gitLines(e, width));
  const anchors = lookup.missing ? [] : anchorsOf(extras, out.length);
  out.push(...(lookup.missing ? [] : findingsSection(extras)), ...artifactsSection(extras, hasArtifacts, width));
  return Object.assign(out.map((l) => fit(l, width)), { anchors });
}
