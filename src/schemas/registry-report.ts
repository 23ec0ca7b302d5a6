/**
 * The `--json` outputs of `provenant registry sync | check | search | show`. Strict objects: a field
 * added to an output without being added here fails the CLI tests, so the JSON stays a contract.
 */
import { z } from 'zod';
import { LANGUAGES } from './languages.js';
import { KnownBugSchema, StatusSchema } from './registry.js';

const Path = z.string().min(1);

export const CoverageSchema = z.strictObject({
  documented: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  percent: z.number().int().min(0).max(100),
});

export const RegistryEntrySchema = z.strictObject({
  path: Path,
  language: z.enum(LANGUAGES),
  kind: z.enum(['script', 'module', 'launcher']),
  purpose: z.string().nullable(),
  purposeSource: z.enum(['annotation', 'docstring']).nullable(),
  docstring: z.string().nullable(),
  entryPoint: z.boolean(),
  cli: z
    .strictObject({
      framework: z.enum(['argparse', 'click', 'typer']),
      args: z.array(
        z.strictObject({
          flags: z.array(z.string()),
          dest: z.string().nullable(),
          type: z.string().nullable(),
          default: z.string().nullable(),
          help: z.string().nullable(),
          required: z.boolean(),
        }),
      ),
    })
    .nullable(),
  defs: z.array(
    z.strictObject({ name: z.string(), kind: z.enum(['function', 'class']), line: z.number().int().positive(), summary: z.string().nullable() }),
  ),
  imports: z.array(Path),
  runs: z.array(Path),
  dependents: z.array(
    z.strictObject({
      path: Path,
      via: z.enum(['import', 'subprocess', 'os.system', 'command-list', 'shell', 'make', 'yaml']),
      line: z.number().int().positive(),
    }),
  ),
  reads: z.array(z.string()),
  writes: z.array(z.string()),
  git: z
    .strictObject({
      added: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      lastChanged: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      lastCommit: z.string().regex(/^[0-9a-f]{4,}$/),
      commits: z.number().int().positive(),
      authors: z.array(z.string()),
    })
    .nullable(),
  status: StatusSchema,
  statusSource: z.enum(['annotation', 'path', 'default']),
  canonicalFor: z.array(z.string()),
  replacedBy: Path.nullable(),
  reason: z.string().nullable(),
  owner: z.string().nullable(),
  notes: z.string().nullable(),
  bugs: z.array(KnownBugSchema),
  parseErrors: z.number().int().nonnegative(),
});

export const StaleAnnotationSchema = z.strictObject({
  path: Path,
  line: z.number().int().positive().nullable(),
  missing: z.enum(['file', 'replaced_by']),
  target: Path,
});

export const SyncReportSchema = z.strictObject({
  markdown: Path,
  markdownState: z.enum(['written', 'unchanged']),
  coverage: CoverageSchema,
  counts: z.strictObject({
    files: z.number().int().nonnegative(),
    scripts: z.number().int().nonnegative(),
    modules: z.number().int().nonnegative(),
    launchers: z.number().int().nonnegative(),
    deprecated: z.number().int().nonnegative(),
    canonical: z.number().int().nonnegative(),
    parseErrors: z.number().int().nonnegative(),
  }),
  stale: z.array(StaleAnnotationSchema),
  parsed: z.number().int().nonnegative(),
  /** False when nothing the last sync was made from had changed: its summary, said again. */
  rebuilt: z.boolean(),
  warnings: z.array(z.string()),
});

export const CheckReportSchema = z.strictObject({
  ok: z.boolean(),
  coverage: CoverageSchema,
  minCoverage: z.number().min(0).max(100),
  problems: z.array(
    z.strictObject({
      kind: z.enum(['markdown', 'coverage', 'stale-annotation', 'uses-deprecated']),
      message: z.string().min(1),
      path: Path.nullable(),
      line: z.number().int().positive().nullable(),
    }),
  ),
});

export const SearchReportSchema = z.strictObject({
  query: z.string(),
  hits: z.array(
    z.strictObject({
      path: Path,
      score: z.number(),
      status: StatusSchema,
      purpose: z.string().nullable(),
      matched: z.array(z.enum(['path', 'name', 'purpose', 'docstring', 'defs', 'args'])),
    }),
  ),
});
