/**
 * The implementation registry's shapes.
 *
 * Two layers, never mixed (Backstage's split): the **annotations file** is written by people (purpose,
 * status, replacement, owner, notes, known bugs) and the tool only validates it or edits it on an
 * explicit command; **entries** are derived from the code and git on every `registry sync` and live in
 * the store (an index, rebuildable) and in the generated Markdown block.
 */
import { z } from 'zod';
import type { Language } from './languages.js';

export const STATUSES = ['active', 'canonical', 'experimental', 'deprecated'] as const;
export const StatusSchema = z.enum(STATUSES);
export type Status = z.infer<typeof StatusSchema>;

/** The annotations file's format version; a file from a newer provenant is refused, not misread. */
export const ANNOTATIONS_VERSION = 1;

/** A path relative to the project root, written with `/`, never leaving the project. */
export const RegistryPathSchema = z
  .string()
  .min(1, { error: 'expected a path relative to the project root' })
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).includes('..'), {
    error: 'expected a path inside the project (relative, without `..`)',
  });

export const KnownBugSchema = z.strictObject({
  summary: z.string().min(1, { error: 'expected a one-line summary of the bug' }),
  /** The git revision that fixed it; artifacts the script made before it are suspect. Absent: not fixed. */
  fixed_in: z.string().min(1).optional(),
  /** When it was found (YYYY-MM-DD), for the reader. */
  found: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date like 2025-09-13' }).optional(),
});
export type KnownBug = z.infer<typeof KnownBugSchema>;

/** What people say about one file. Every field optional: an entry may hold just a purpose. */
export const AnnotationSchema = z.strictObject({
  purpose: z.string().min(1).optional(),
  status: StatusSchema.optional(),
  /** For `canonical`: the capability it is the one implementation of ("log-prob critic"). */
  canonical_for: z.array(z.string().min(1)).optional(),
  /** For `deprecated`: what to use instead. */
  replaced_by: RegistryPathSchema.optional(),
  /** For `deprecated`: why. */
  reason: z.string().min(1).optional(),
  owner: z.string().min(1).optional(),
  notes: z.string().min(1).optional(),
  bugs: z.array(KnownBugSchema).optional(),
});
export type Annotation = z.infer<typeof AnnotationSchema>;

/** The committed annotations file (YAML). Keys of `files` are root-relative paths. */
export const AnnotationsFileSchema = z.strictObject({
  version: z.literal(ANNOTATIONS_VERSION, { error: `expected version: ${ANNOTATIONS_VERSION}` }),
  files: z.record(RegistryPathSchema, AnnotationSchema).default({}),
});
export type AnnotationsFile = z.infer<typeof AnnotationsFileSchema>;

// ---------------------------------------------------------------------------------------------------
// Generated entries (plain types: built by code, never parsed from user input)

export type EntryKind = 'script' | 'module' | 'launcher';

export interface CliArgument {
  /** `--model`, `-m`, or the positional's name. */
  flags: string[];
  dest: string | null;
  type: string | null;
  /** The default as written (`"data/x.jsonl"`, `0.7`, `None`), or null when there is none. */
  default: string | null;
  help: string | null;
  required: boolean;
}

export interface CommandLine {
  framework: 'argparse' | 'click' | 'typer';
  args: CliArgument[];
}

/** Where a line of a notebook is: its cell (1-based, markdown cells counted) and the line in that cell. */
export interface CellLine {
  index: number;
  line: number;
}

export interface DefinedName {
  name: string;
  kind: 'function' | 'class';
  /** In a notebook, the line of its JSON (as findings' lines are) and `cell` the cell and line in it. */
  line: number;
  cell?: CellLine;
  /** First sentence of its docstring, or null. */
  summary: string | null;
}

/** Someone who uses a file: an importer or a launcher that runs it. */
export interface Dependent {
  path: string;
  via: 'import' | 'subprocess' | 'os.system' | 'command-list' | 'shell' | 'make' | 'yaml';
  /** In a notebook, the line of its JSON, and `cell` the cell and line in it. */
  line: number;
  cell?: CellLine;
}

export interface GitFacts {
  /** ISO dates (YYYY-MM-DD) of the first commit that added the path and of the last that changed it. */
  added: string;
  lastChanged: string;
  /** The abbreviated hash of the last commit that changed it. */
  lastCommit: string;
  commits: number;
  /** Author names, most commits first. */
  authors: string[];
}

export interface RegistryEntry {
  path: string;
  language: Language;
  kind: EntryKind;
  /** The annotation's purpose, else the module docstring's first sentence, else null (undocumented). */
  purpose: string | null;
  purposeSource: 'annotation' | 'docstring' | null;
  docstring: string | null;
  /** Has `if __name__ == "__main__"`, a CLI, or is a launcher. */
  entryPoint: boolean;
  cli: CommandLine | null;
  defs: DefinedName[];
  /** Repo files this one imports (resolved), sorted. */
  imports: string[];
  /** Repo files this one runs (resolved script calls), sorted. */
  runs: string[];
  dependents: Dependent[];
  /** Data paths read and written (literals and argparse defaults with data extensions), sorted. */
  reads: string[];
  writes: string[];
  git: GitFacts | null;
  status: Status;
  /** Where the status came from: the annotations file, a `.DEPRECATED` name or deprecated folder/glob, or the default. */
  statusSource: 'annotation' | 'path' | 'default';
  canonicalFor: string[];
  replacedBy: string | null;
  reason: string | null;
  owner: string | null;
  notes: string | null;
  bugs: KnownBug[];
  /** Parse errors: registered anyway, with a warning. */
  parseErrors: number;
}

// ---------------------------------------------------------------------------------------------------
// `provenant registry import --json`

export const LegacyImportReportSchema = z.strictObject({
  /** The hand-written registry, relative to the project root. */
  legacyFile: z.string(),
  annotationsFile: z.string(),
  dryRun: z.boolean(),
  /** The annotations file was changed. */
  written: z.boolean(),
  /** Every path entry found, in file order; `target` is the existing file it describes (null: stale). */
  entries: z.array(
    z.strictObject({
      path: z.string(),
      line: z.int().positive(),
      target: z.string().nullable(),
      status: StatusSchema.nullable(),
      purpose: z.string().nullable(),
    }),
  ),
  /** Distinct registered files the legacy registry documents, sorted. */
  documented: z.array(z.string()),
  coverage: z.strictObject({ documented: z.int().nonnegative(), total: z.int().nonnegative(), percent: z.int().min(0).max(100) }),
  /** "docs/IMPLEMENTATION_REGISTRY.md documented 11 of 26 registered files (42%)". */
  coverageLine: z.string(),
  /** Entries naming a file that does not exist; `renamedTo` is the existing file the annotation went to. */
  stale: z.array(z.strictObject({ path: z.string(), line: z.int().positive(), renamedTo: z.string().nullable(), message: z.string() })),
  /** Fields added to the annotations file, per path. */
  changes: z.array(z.strictObject({ path: z.string(), fields: z.array(z.string()) })),
  /** Fields where the annotations file already said something else; the annotation was kept. */
  conflicts: z.array(z.strictObject({ path: z.string(), field: z.string(), kept: z.string(), legacy: z.string(), message: z.string() })),
  warnings: z.array(z.strictObject({ line: z.int().positive().nullable(), message: z.string() })),
});
export type LegacyImportReport = z.infer<typeof LegacyImportReportSchema>;
