/**
 * `normalizeConfig`: what a config file says (validated by `ConfigSchema`, kebab-case, defaults absent)
 * as the `Config` the rest of the code reads. Only the file's type comes from config.ts, so this loads no
 * schema library.
 */
import type { ConfigFile } from './config.js';
import { DEFAULT_CONFIG, loaderImport, type Config, type QcPolicy } from './config-values.js';

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
