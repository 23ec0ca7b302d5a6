/**
 * The shape of the model-identity catalog (src/audit/model-catalog.json): model families with what a plain id
 * of each is, the words that mark a post-trained or a base model, and whether the family's tokenizer adds BOS
 * by default. The classifier reads the JSON as it is; the model-classes test checks it against this schema,
 * so the audit pays for no schema library at start-up.
 */
import { z } from 'zod';

/** A regular expression source, matched case-insensitively; it must compile. */
const PatternSchema = z
  .string()
  .min(1)
  .refine(
    (source) => {
      try {
        new RegExp(source, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { error: 'expected a valid regular expression' },
  );

/** What an id of a family with no marker is: a base model, a post-trained one, or not known from the name. */
export const PlainVerdictSchema = z.enum(['base', 'post-trained', 'unknown']);

export const ModelFamilySchema = z.strictObject({
  name: z.string().min(1),
  /** Matched at the start of the model name (after the last `/`), or at any token boundary with `anywhere`. */
  match: PatternSchema,
  anywhere: z.boolean().optional(),
  plain: PlainVerdictSchema,
  /** Tokens that mark a post-trained model of this family, besides the catalog's own markers. */
  postTrained: z.array(PatternSchema).optional(),
  /** Tokens that mark a base model of this family, besides the catalog's own markers. */
  base: z.array(PatternSchema).optional(),
  /** Tokens naming a variant (`coder`, `vision`) that leave a plain id plain. */
  variants: z.array(PatternSchema).optional(),
  /** Whether the family's tokenizer adds BOS when called with its defaults; null when not known for certain. */
  addsBos: z.boolean().nullable(),
  /** Why the family's plain ids are what `plain` says, shown in findings. */
  note: z.string().min(10),
});

export const ModelCatalogSchema = z.strictObject({
  $comment: z.string().optional(),
  postTrainedMarkers: z.array(PatternSchema).min(1),
  baseMarkers: z.array(PatternSchema).min(1),
  /** Tokens of models that do not generate text (embedders, rerankers): never base, never instruct. */
  nonGenerativeMarkers: z.array(PatternSchema),
  /** Tokens that say nothing about post-training: sizes, versions, dates, quantisation formats. */
  neutralTokens: z.array(PatternSchema),
  families: z.array(ModelFamilySchema).min(1),
});

export type ModelCatalog = z.infer<typeof ModelCatalogSchema>;
export type ModelFamilyEntry = z.infer<typeof ModelFamilySchema>;
