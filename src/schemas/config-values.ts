/**
 * What the rest of the code reads of the configuration, with no schema library behind it: severities,
 * the normalised `Config` and its defaults. The zod schema that validates files lives in config.ts and
 * loads only when a config file is read.
 */
import type { ConfigFile } from './config.js';

/** Least to most severe, so `SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b)` reads "a is at least b". */
export const SEVERITIES = ['info', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** True when `severity` is at least as severe as `threshold` (the `fail-on` test). */
export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}

/** A full rule code (`LOAD001`) or a prefix of one (`LOAD`, `LOAD00`); `ALL` is the prefix of every code. */
export const RULE_CODE_PATTERN = /^[A-Z]+[0-9]{0,3}$/;
export type UnknownModelSeverity = Severity | 'off';

/** What a file is for (audit/roles.ts decides it); the order is the order globs are tried in. */
export const CODE_ROLES = ['test', 'example', 'library', 'script'] as const;
export type CodeRole = (typeof CODE_ROLES)[number];

/** Findings in test code: none (`off`), lowered to `info`, or at the rules' own severity (`inherit`). */
export const TEST_CODE_SEVERITIES = ['off', 'info', 'inherit'] as const;
export type TestCodeSeverity = (typeof TEST_CODE_SEVERITIES)[number];

export interface Config {
  /** Files to audit (globs). */
  include: string[];
  /** Paths never walked: the `exclude` list (or its default) followed by `extend-exclude`. */
  exclude: string[];
  /** Leave out what git ignores (`.gitignore`, `.git/info/exclude`, core.excludesFile) when walking a git work tree. */
  respectGitignore: boolean;
  /** Rule codes or prefixes to run; `ALL` means every rule. */
  select: string[];
  /** Rule codes or prefixes removed after `select`. */
  ignore: string[];
  /** The least severity that makes the run fail. */
  failOn: Severity;
  /** Qualified names of the project's own guarded loaders (classes or functions). */
  sanctionedLoaders: string[];
  /** The calls that replace a load by hand, from `sanctioned-loaders` entries that name one (LOAD001's fix). */
  loaderCalls: LoaderCall[];
  /** Model ids or globs known to be base (non-chat) models; matched case-insensitively. */
  baseModels: string[];
  /** Model ids or globs known to be instruct/chat models; matched case-insensitively. */
  instructModels: string[];
  /** Globs of code that is kept but must no longer be used. */
  deprecatedPaths: string[];
  /**
   * Severity of template rules when a model is neither known base nor known instruct; null when unset,
   * and then the project decides (`Project.unknownModelSeverity`: `info` until it names a base model or
   * has a sanctioned loader, `warning` after).
   */
  unknownModelSeverity: UnknownModelSeverity | null;
  /** What findings in test code become (see `TestCodeSeverity`). */
  testCodeSeverity: TestCodeSeverity;
  /** Globs that give files a role, tried before the built-in conventions (audit/roles.ts). */
  roles: Record<CodeRole, string[]>;
  /**
   * Preview rules and preview behaviour run (off by default: a default rule must be right on real code
   * before it is on for everyone). A preview rule also runs when `select` names its code in full.
   */
  preview: boolean;
  /** Files larger than this many bytes are skipped with a reason. */
  maxFileSize: number;
  /** Severity overrides by rule code or prefix; the longest matching key wins (see `severityFor`). */
  severity: Record<string, Severity>;
  /** Glob → rule codes or prefixes ignored in matching files. */
  perFileIgnores: Record<string, string[]>;
  registry: RegistryConfig;
  provenance: ProvenanceConfig;
}

/** What replaces a load by hand: `call` for models, `tokenizerCall` for tokenizers, each with the import it needs. */
export interface LoaderCall {
  loader: string;
  call: { template: string; import: string } | null;
  tokenizerCall: { template: string; import: string } | null;
}

/** What a loader's call template may say about the load it replaces: the model argument, all its arguments. */
export const LOADER_PLACEHOLDERS = ['model', 'args'];

/** `CleanModelLoader.load({model})` → `CleanModelLoader`: the name the call needs bound. */
export function callHead(call: string): string {
  return /^[A-Za-z_]\w*/.exec(call)?.[0] ?? '';
}

/**
 * The import that binds a call's first name, read off the loader's dotted name (`lab.loaders.CleanModelLoader`
 * and `CleanModelLoader.load(…)` → `from lab.loaders import CleanModelLoader`), or null when the name
 * does not hold it.
 */
export function loaderImport(name: string, call: string): string | null {
  const parts = name.split('.');
  const head = callHead(call);
  const at = parts.lastIndexOf(head);
  if (at < 0) return null;
  return at === 0 ? `import ${head}` : `from ${parts.slice(0, at).join('.')} import ${head}`;
}

export type QcKind = 'sft' | 'preference' | 'eval';

export interface QcPolicy {
  name: string;
  kind: QcKind;
  paths: string[];
  requiredFields: string[];
  maxEmptyRate: number;
  maxDuplicateRate: number;
  placeholderPatterns: string[];
  maxPairsPerInstruction: number | null;
  minMargin: number | null;
  maxBoilerplateRate: number;
}

export interface ProvenanceConfig {
  /** Stamps live under this folder (relative to the root) instead of next to the artifacts, or null. */
  stampsDir: string | null;
  /** Folder of allowed public keys (`*.pub`), relative to the root. */
  keysDir: string;
  requireSignature: boolean;
  /** Verify says `suspect` for a stamp whose command ran no script provenant could name. */
  requireKnownProducer: boolean;
  /** Environment variable names or globs recorded in stamps. */
  env: string[];
  qc: QcPolicy[];
  /** `"sqlite"`, a `postgresql://` URL (the shared ledger), or null for the default (SQLite). */
  ledger: string | null;
  /** The shared ledger's schema, or null to derive it from the project. */
  ledgerSchema: string | null;
}

export interface RegistryConfig {
  /** The generated Markdown registry, relative to the root. */
  markdown: string;
  /** The human-written annotations file, relative to the root. */
  annotations: string;
  /** Globs of the files registered. */
  include: string[];
  /** Percent of registered scripts that must have a purpose (`registry check`). */
  minCoverage: number;
  /** Similarity (0-1) from which functions count as near-duplicates. */
  similarityThreshold: number;
  /** Functions with fewer normalised tokens are never compared. */
  minTokens: number;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Frozen: take a copy (`normalizeConfig({})`) before changing anything. */
export const DEFAULT_CONFIG: Readonly<Config> = deepFreeze<Config>({
  include: ['**/*.py', '**/*.sh', '**/Makefile', '**/*.mk', '**/*.yaml', '**/*.yml', '**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts', '**/*.js', '**/*.jsx', '**/*.mjs', '**/*.cjs', '**/*.json', '**/*.toml', '**/*.ipynb'],
  // Ruff's default excludes, plus provenant's own store and caches
  exclude: [
    '.bzr', '.direnv', '.eggs', '.git', '.git-rewrite', '.hg', '.ipynb_checkpoints', '.mypy_cache', '.nox',
    '.pants.d', '.pyenv', '.pytest_cache', '.pytype', '.ruff_cache', '.svn', '.tox', '.venv', '.vscode',
    '__pypackages__', '__pycache__', '_build', 'buck-out', 'build', 'dist', 'node_modules', 'site-packages', 'venv',
    '.provenant',
  ],
  select: ['ALL'],
  ignore: [],
  failOn: 'warning',
  sanctionedLoaders: [],
  loaderCalls: [],
  baseModels: [],
  instructModels: [],
  deprecatedPaths: [],
  unknownModelSeverity: null,
  testCodeSeverity: 'off',
  roles: { test: [], example: [], library: [], script: [] },
  preview: false,
  respectGitignore: true,
  maxFileSize: 2_000_000,
  severity: {},
  perFileIgnores: {},
  registry: {
    markdown: 'IMPLEMENTATION_REGISTRY.md',
    annotations: 'provenant-registry.yaml',
    include: ['**/*.py', '**/*.py.DEPRECATED', '**/*.ipynb', '**/*.ipynb.DEPRECATED', '**/*.sh', '**/Makefile', '**/*.mk'],
    minCoverage: 0,
    similarityThreshold: 0.8,
    minTokens: 40,
  },
  provenance: {
    stampsDir: null,
    keysDir: '.provenant-keys',
    requireSignature: false,
    requireKnownProducer: false,
    env: ['CUDA_VISIBLE_DEVICES', 'PYTHONHASHSEED', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'TOKENIZERS_PARALLELISM', 'SEED', 'PROVENANT_*'],
    qc: [],
    ledger: null,
    ledgerSchema: null,
  },
});

const PLACEHOLDERS = ['[GENERATION FAILED]', '[PLACEHOLDER]', 'TODO', 'Error generating response', 'N/A'];

function qcPolicies(table: NonNullable<NonNullable<ConfigFile['provenance']>['qc']>): QcPolicy[] {
  return Object.entries(table).map(([name, p]) => ({
    name,
    kind: p.kind,
    paths: globs(p.paths),
    requiredFields: p['required-fields'] ?? [],
    maxEmptyRate: p['max-empty-rate'] ?? 0,
    maxDuplicateRate: p['max-duplicate-rate'] ?? 0.05,
    placeholderPatterns: p['placeholder-patterns'] ?? PLACEHOLDERS,
    maxPairsPerInstruction: p['max-pairs-per-instruction'] ?? null,
    minMargin: p['min-margin'] ?? null,
    maxBoilerplateRate: p['max-boilerplate-rate'] ?? 0.2,
  }));
}

/** Order-preserving, duplicate-free, without the `./` that would stop a glob matching a relative path. */
function globs(list: readonly string[]): string[] {
  return unique(list.map((glob) => glob.replace(/^(\.\/)+/, '')));
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function perFileIgnores(table: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const [glob, codes] of Object.entries(table)) {
    const key = globs([glob])[0] ?? glob;
    merged[key] = unique([...(merged[key] ?? []), ...codes]);
  }
  return merged;
}

/** Fills in defaults and renames to camelCase. The input must already have passed `ConfigSchema`. */
export function normalizeConfig(file: ConfigFile): Config {
  const d = DEFAULT_CONFIG;
  return {
    include: globs(file.include ?? d.include),
    exclude: globs([...(file.exclude ?? d.exclude), ...(file['extend-exclude'] ?? [])]),
    select: unique(file.select ?? d.select),
    ignore: unique(file.ignore ?? d.ignore),
    failOn: file['fail-on'] ?? d.failOn,
    sanctionedLoaders: unique((file['sanctioned-loaders'] ?? []).map((l) => l.name)),
    loaderCalls: (file['sanctioned-loaders'] ?? []).flatMap((l) => {
      // the schema made sure each call's import is known
      const entry = (template: string | undefined) => (template ? { template, import: l.import ?? loaderImport(l.name, template) ?? '' } : null);
      return l.call || l['tokenizer-call'] ? [{ loader: l.name, call: entry(l.call), tokenizerCall: entry(l['tokenizer-call']) }] : [];
    }),
    baseModels: unique(file['base-models'] ?? d.baseModels),
    instructModels: unique(file['instruct-models'] ?? d.instructModels),
    deprecatedPaths: globs(file['deprecated-paths'] ?? d.deprecatedPaths),
    unknownModelSeverity: file['unknown-model-severity'] ?? d.unknownModelSeverity,
    preview: file.preview ?? d.preview,
    respectGitignore: file['respect-gitignore'] ?? d.respectGitignore,
    testCodeSeverity: file['test-code-severity'] ?? d.testCodeSeverity,
    roles: {
      test: globs(file.roles?.test ?? d.roles.test),
      example: globs(file.roles?.example ?? d.roles.example),
      library: globs(file.roles?.library ?? d.roles.library),
      script: globs(file.roles?.script ?? d.roles.script),
    },
    maxFileSize: file['max-file-size'] ?? d.maxFileSize,
    severity: { ...(file.severity ?? d.severity) },
    perFileIgnores: perFileIgnores(file['per-file-ignores'] ?? d.perFileIgnores),
    registry: {
      markdown: file.registry?.markdown ?? d.registry.markdown,
      annotations: file.registry?.annotations ?? d.registry.annotations,
      include: globs(file.registry?.include ?? d.registry.include),
      minCoverage: file.registry?.['min-coverage'] ?? d.registry.minCoverage,
      similarityThreshold: file.registry?.['similarity-threshold'] ?? d.registry.similarityThreshold,
      minTokens: file.registry?.['min-tokens'] ?? d.registry.minTokens,
    },
    provenance: {
      stampsDir: file.provenance?.['stamps-dir'] ?? d.provenance.stampsDir,
      keysDir: file.provenance?.['keys-dir'] ?? d.provenance.keysDir,
      requireSignature: file.provenance?.['require-signature'] ?? d.provenance.requireSignature,
      requireKnownProducer: file.provenance?.['require-known-producer'] ?? d.provenance.requireKnownProducer,
      env: globs(file.provenance?.env ?? d.provenance.env),
      qc: qcPolicies(file.provenance?.qc ?? {}),
      ledger: file.provenance?.ledger ?? d.provenance.ledger,
      ledgerSchema: file.provenance?.['ledger-schema'] ?? d.provenance.ledgerSchema,
    },
  };
}
