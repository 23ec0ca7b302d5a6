/**
 * What the rest of the code reads of the configuration, with no schema library behind it: severities,
 * the normalised `Config` and its defaults. The zod schema that validates files lives in config.ts and
 * loads only when a config file is read; config-normalize.ts turns what it validated into a `Config`.
 */
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
