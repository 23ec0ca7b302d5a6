/**
 * The configuration: `ConfigSchema` validates what users write (kebab-case keys, under `[tool.provenant]`
 * of pyproject.toml or at the top level of provenant.toml); `Config` is what the rest of the code reads
 * (camelCase, every default filled in). `normalizeConfig` is the one bridge between the two.
 *
 * Globs (`include`, `exclude`, `deprecated-paths`, `per-file-ignores` keys) are picomatch patterns
 * over paths relative to the project root, written with `/`.
 */
import { z } from 'zod';
import { RULE_CODE_PATTERN, SEVERITIES } from './config-values.js';

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

const ModelPatternSchema = z.string().min(1, { error: 'expected a non-empty model id or glob' });

export const UnknownModelSeveritySchema = z.enum([...SEVERITIES, 'off']);

/** The file shape. Strict: a misspelt key is an error, never silently ignored. */
export const ConfigSchema = z.strictObject({
  include: GlobListSchema.optional(),
  exclude: GlobListSchema.optional(),
  'extend-exclude': GlobListSchema.optional(),
  select: z.array(RuleCodeSchema).optional(),
  ignore: z.array(RuleCodeSchema).optional(),
  'fail-on': SeveritySchema.optional(),
  'sanctioned-loaders': z.array(DottedNameSchema).optional(),
  'base-models': z.array(ModelPatternSchema).optional(),
  'instruct-models': z.array(ModelPatternSchema).optional(),
  'deprecated-paths': GlobListSchema.optional(),
  'unknown-model-severity': UnknownModelSeveritySchema.optional(),
  'max-file-size': z.int().positive({ error: 'expected a positive number of bytes' }).optional(),
  severity: z.record(RuleCodeSchema, SeveritySchema).optional(),
  'per-file-ignores': z.record(GlobSchema, z.array(RuleCodeSchema)).optional(),
});
export type ConfigFile = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof ConfigFile;
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

