/**
 * The configuration: `ConfigSchema` validates what users write (kebab-case keys, under `[tool.provenant]`
 * of pyproject.toml or at the top level of provenant.toml); `Config` is what the rest of the code reads
 * (camelCase, every default filled in). `normalizeConfig` is the one bridge between the two.
 *
 * Globs (`include`, `exclude`, `deprecated-paths`, `per-file-ignores` keys) are picomatch patterns
 * over paths relative to the project root, written with `/`.
 */
import { z } from 'zod';
import { callHead, LOADER_PLACEHOLDERS, loaderImport, RULE_CODE_PATTERN, SEVERITIES, TEST_CODE_SEVERITIES } from './config-values.js';

export * from './config-values.js';

export const SeveritySchema = z.enum(SEVERITIES);

const RuleCodeSchema = z
  .string()
  .regex(RULE_CODE_PATTERN, { error: 'expected a rule code or prefix such as "LOAD001" or "LOAD"' });

const GlobSchema = z.string().min(1, { error: 'expected a non-empty glob' });
const GlobListSchema = z.array(GlobSchema);

/** `pkg.module.Name`: what a sanctioned loader resolves to in the facts model's qualified names. */
const DottedNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, {
    error: 'expected a dotted Python name such as "utils.loader.CleanModelLoader"',
  });

/** `CleanModelLoader.load({model})`: a Python call, `{model}` and `{args}` standing for what the load was given. */
const CallTemplateSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\(.*\)$/s, {
    error: 'expected a Python call such as "CleanModelLoader.load({model})"',
  })
  .refine((t) => [...t.matchAll(/\{(\w*)\}/g)].every((m) => LOADER_PLACEHOLDERS.includes(m[1] ?? '')), {
    error: `unknown placeholder; the call may use ${LOADER_PLACEHOLDERS.map((p) => `{${p}}`).join(' and ')}`,
  });

const ImportStatementSchema = z
  .string()
  .regex(/^(?:from [A-Za-z_][\w.]* import [A-Za-z_]\w*(?: as [A-Za-z_]\w*)?(?:, *[A-Za-z_]\w*(?: as [A-Za-z_]\w*)?)*|import [A-Za-z_][\w.]*(?: as [A-Za-z_]\w*)?)$/, {
    error: 'expected one import statement such as "from lab.loaders import CleanModelLoader"',
  });

/**
 * A `sanctioned-loaders` entry written as a table: the loader's name, and the call that replaces a load by
 * hand (LOAD001's fix) for models (`call`) and for tokenizers (`tokenizer-call`), with the import the call
 * needs when it cannot be read off the name.
 */
const LoaderTableSchema = z
  .strictObject({
    name: DottedNameSchema,
    call: CallTemplateSchema.optional(),
    'tokenizer-call': CallTemplateSchema.optional(),
    import: ImportStatementSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    for (const key of ['call', 'tokenizer-call'] as const) {
      const call = entry[key];
      if (call === undefined || entry.import !== undefined || loaderImport(entry.name, call) !== null) continue;
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `\`${callHead(call)}\` is not part of the name "${entry.name}", so the import it needs is not known; add \`import = "…"\``,
      });
    }
  });

/** A `sanctioned-loaders` entry: a dotted name, or a table naming the replacement call too. */
const SanctionedLoaderSchema = z.unknown().transform((value, ctx) => {
  const parsed = (typeof value === 'string' ? DottedNameSchema : LoaderTableSchema).safeParse(value);
  if (parsed.success) return typeof parsed.data === 'string' ? { name: parsed.data } : parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

const ModelPatternSchema = z.string().min(1, { error: 'expected a non-empty model id or glob' });

export const UnknownModelSeveritySchema = z.enum([...SEVERITIES, 'off']);

/** `[tool.provenant.roles]`: globs that give files a role before the built-in conventions are tried. */
export const RolesConfigSchema = z.strictObject({
  test: GlobListSchema.optional(),
  example: GlobListSchema.optional(),
  library: GlobListSchema.optional(),
  script: GlobListSchema.optional(),
});

const RepoPathSchema = z
  .string()
  .min(1, { error: 'expected a path relative to the project root' })
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), { error: 'expected a path inside the project' });

/** `[tool.provenant.registry]`: where the implementation registry lives and what `registry check` demands. */
export const RegistryConfigSchema = z.strictObject({
  /** The generated Markdown registry. */
  markdown: RepoPathSchema.optional(),
  /** The human-written annotations file (purpose, status, replaced_by, owner, notes, bugs). */
  annotations: RepoPathSchema.optional(),
  /** Scripts registered (globs); the audit's `include` when absent. */
  include: GlobListSchema.optional(),
  /** `registry check` fails when fewer scripts than this (percent) have a purpose. */
  'min-coverage': z.number().min(0, { error: 'expected a percentage from 0 to 100' }).max(100, { error: 'expected a percentage from 0 to 100' }).optional(),
  /** Near-duplicate functions are reported from this similarity (0-1) up. */
  'similarity-threshold': z.number().gt(0, { error: 'expected a number above 0 and at most 1' }).max(1, { error: 'expected a number above 0 and at most 1' }).optional(),
  /** Functions shorter than this many tokens are never compared. */
  'min-tokens': z.int().positive({ error: 'expected a positive number of tokens' }).optional(),
});

const QC_KINDS = ['sft', 'preference', 'eval'] as const;

/** `[tool.provenant.provenance.qc.NAME]`: checks run on matching outputs when they are stamped. */
export const QcPolicySchema = z.strictObject({
  kind: z.enum(QC_KINDS),
  /** Outputs the policy applies to (globs). */
  paths: GlobListSchema.min(1, { error: 'expected at least one glob' }),
  /** SFT and preference data: fields every record must have. Eval reports: metrics that must be present. */
  'required-fields': z.array(z.string().min(1)).optional(),
  /** SFT: the largest share of records with an empty or placeholder response. */
  'max-empty-rate': z.number().min(0).max(1).optional(),
  /** SFT and preference data: the largest share of exact duplicate records. */
  'max-duplicate-rate': z.number().min(0).max(1).optional(),
  /** Text that marks a placeholder response (a generation that failed and was papered over). */
  'placeholder-patterns': z.array(z.string().min(1)).optional(),
  /** Preference pairs: the most pairs one instruction may have. */
  'max-pairs-per-instruction': z.int().positive().optional(),
  /** Preference pairs: the least margin a pair may record, when margins are present. */
  'min-margin': z.number().optional(),
  /** Preference pairs: the largest share of rejected responses that are the same boilerplate. */
  'max-boilerplate-rate': z.number().min(0).max(1).optional(),
});

/** `[tool.provenant.provenance]`: stamps, signing keys and QC policies. */
export const ProvenanceConfigSchema = z.strictObject({
  /** Keep stamps under this folder (mirroring the artifacts' paths) instead of next to the artifacts. */
  'stamps-dir': RepoPathSchema.optional(),
  /** Public keys (`*.pub`) whose signatures verify accepts. */
  'keys-dir': RepoPathSchema.optional(),
  /** Refuse unsigned stamps (the CI setting: an unsigned stamp proves only what its content can check). */
  'require-signature': z.boolean().optional(),
  /** Verify says `suspect` for a stamp whose command ran no script provenant could name (`cp`, `sh -c "…"`). */
  'require-known-producer': z.boolean().optional(),
  /** Environment variables recorded in stamps (names or globs); secrets-looking names are never recorded. */
  env: GlobListSchema.optional(),
  qc: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'expected a policy name of letters, digits, - and _' }), QcPolicySchema).optional(),
  /** The ledger: "sqlite" (the default, `.provenant/ledger.db`) or a `postgresql://` URL shared by every clone. */
  ledger: z.string().refine((v) => v === 'sqlite' || /^postgres(ql)?:\/\/./.test(v), { error: 'expected "sqlite" or a postgresql:// URL' }).optional(),
  /** The shared ledger's schema (default: derived from the repository's first commit). */
  'ledger-schema': z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'expected lower-case letters, digits and _ (at most 63)' }).optional(),
});

/** The file shape. Strict: a misspelt key is an error, never silently ignored. */
export const ConfigSchema = z.strictObject({
  include: GlobListSchema.optional(),
  exclude: GlobListSchema.optional(),
  'extend-exclude': GlobListSchema.optional(),
  /** In a git work tree, leave out what `.gitignore` (and `.git/info/exclude`, the global excludes file) ignores. */
  'respect-gitignore': z.boolean().optional(),
  select: z.array(RuleCodeSchema).optional(),
  ignore: z.array(RuleCodeSchema).optional(),
  'fail-on': SeveritySchema.optional(),
  'sanctioned-loaders': z.array(SanctionedLoaderSchema).optional(),
  'base-models': z.array(ModelPatternSchema).optional(),
  'instruct-models': z.array(ModelPatternSchema).optional(),
  'deprecated-paths': GlobListSchema.optional(),
  'unknown-model-severity': UnknownModelSeveritySchema.optional(),
  /** Runs preview rules and the preview behaviour of stable rules (Ruff's `preview`). */
  preview: z.boolean().optional(),
  'test-code-severity': z.enum(TEST_CODE_SEVERITIES).optional(),
  roles: RolesConfigSchema.optional(),
  'max-file-size': z.int().positive({ error: 'expected a positive number of bytes' }).optional(),
  severity: z.record(RuleCodeSchema, SeveritySchema).optional(),
  'per-file-ignores': z.record(GlobSchema, z.array(RuleCodeSchema)).optional(),
  registry: RegistryConfigSchema.optional(),
  provenance: ProvenanceConfigSchema.optional(),
});
export type ConfigFile = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof ConfigFile;
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

