/**
 * The `--json` output of the provenance commands that read stamps rather than write them: `lineage` (the
 * tree of an artifact's inputs or consumers), `log` (every stamp the ledger has for a path), `investigate`
 * (the evidence about an unstamped legacy file and its verdict) and `ledger rebuild` (what was restored).
 * Each report carries `version: 1`; fields are only ever added.
 */
import { z } from 'zod';

import { InvestigationSchema, VerdictSchema, type Verdict } from './stamp.js';

export const LINEAGE_DIRECTIONS = ['up', 'down'] as const;

/** One artifact in a lineage tree; `children` are its inputs (up) or its consumers (down). */
export interface LineageNode {
  path: string;
  /** Whether the artifact has a readable stamp. */
  stamp: 'ok' | 'none' | 'invalid';
  /** Why the stamp could not be read, or how the link to it is off (re-stamped since). */
  problem: string | null;
  producer: string | null;
  /** The producer's registry status when the artifact was made. */
  status: string | null;
  /** The commit the stamp records, shortened. */
  commit: string | null;
  /** When the artifact was made (the stamp's finishedOn). */
  date: string | null;
  sha256: string | null;
  signed: boolean | null;
  /** A legacy stamp (`investigate --record`): its investigation verdict. */
  legacy: string | null;
  /** `provenant verify`'s verdict, when asked for. */
  verdict: Verdict | null;
  /** `cycle`: the artifact is its own ancestor; `seen`: shown earlier in the tree, not expanded again. */
  repeat: 'cycle' | 'seen' | null;
  children: LineageNode[];
}

export const LineageNodeSchema: z.ZodType<LineageNode> = z.strictObject({
  path: z.string(),
  stamp: z.enum(['ok', 'none', 'invalid']),
  problem: z.string().nullable(),
  producer: z.string().nullable(),
  status: z.string().nullable(),
  commit: z.string().nullable(),
  date: z.string().nullable(),
  sha256: z.string().nullable(),
  signed: z.boolean().nullable(),
  legacy: z.string().nullable(),
  verdict: VerdictSchema.nullable(),
  repeat: z.enum(['cycle', 'seen']).nullable(),
  get children() {
    return z.array(LineageNodeSchema);
  },
});

export const LineageReportSchema = z.strictObject({
  version: z.literal(1),
  direction: z.enum(LINEAGE_DIRECTIONS),
  root: LineageNodeSchema,
  /** Things the reader should know, e.g. that there is no ledger to find consumers in. */
  notes: z.array(z.string()),
});
export type LineageReport = z.infer<typeof LineageReportSchema>;

export const LogEntrySchema = z.strictObject({
  createdAt: z.string(),
  commit: z.string().nullable(),
  producer: z.string().nullable(),
  /** The producer's registry status when the stamp was written. */
  status: z.string().nullable(),
  artifactSha256: z.string(),
  stampSha256: z.string(),
  /** Null when the ledger does not say and the stamp is no longer on disk. */
  signed: z.boolean().nullable(),
  /** This is the stamp on disk now. */
  current: z.boolean(),
  kind: z.enum(['run', 'legacy']).nullable(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

export const LogReportSchema = z.strictObject({
  version: z.literal(1),
  path: z.string(),
  ledger: z.boolean(),
  sidecar: z.strictObject({
    path: z.string(),
    state: z.enum(['ok', 'none', 'invalid']),
    problem: z.string().nullable(),
  }),
  /** Newest first. */
  entries: z.array(LogEntrySchema),
  /** The commits that touched the sidecar, newest first (empty when it is not committed). */
  gitHistory: z.array(z.strictObject({ commit: z.string(), date: z.string(), author: z.string(), subject: z.string() })),
  notes: z.array(z.string()),
});
export type LogReport = z.infer<typeof LogReportSchema>;

export const InvestigateCandidateSchema = z.strictObject({
  path: z.string(),
  /** Jaccard similarity of the file's field set and the closest record the script writes (0-1). */
  score: z.number(),
  /** The script was in the repository when the file first appeared. */
  existedThen: z.boolean(),
  /** Its registry status now (`deprecated` also when it now exists only as `.DEPRECATED`). */
  status: z.string(),
  /** It imports the sanctioned loader (null: no loader is configured). */
  usesLoader: z.boolean().nullable(),
  bugs: z.array(z.string()),
  /** The record shape that matched best. */
  keys: z.array(z.string()),
  reasons: z.array(z.string()),
});
export type InvestigateCandidate = z.infer<typeof InvestigateCandidateSchema>;

export const InvestigateReportSchema = z.strictObject({
  version: z.literal(1),
  path: z.string(),
  verdict: InvestigationSchema.shape.verdict,
  reason: z.string(),
  records: z.number().int().nonnegative().nullable(),
  fields: z.array(z.string()),
  /** When the file first appeared: its first commit, else its modification time. */
  firstSeen: z.strictObject({ source: z.enum(['git', 'mtime']), commit: z.string().nullable(), date: z.string() }),
  loader: z.strictObject({ path: z.string(), commit: z.string().nullable(), date: z.string().nullable() }).nullable(),
  candidates: z.array(InvestigateCandidateSchema),
  evidence: z.array(z.strictObject({ question: z.string(), answer: z.string() })),
  /** The legacy stamp `--record` wrote, root-relative. */
  recorded: z.string().nullable(),
});
export type InvestigateReport = z.infer<typeof InvestigateReportSchema>;

export const RebuildReportSchema = z.strictObject({
  version: z.literal(1),
  /** Stamps indexed from sidecars on disk. */
  stamps: z.number().int().nonnegative(),
  /** Older stamps of the previous ledger whose sidecars were since overwritten, carried over as history. */
  history: z.number().int().nonnegative(),
  invalid: z.array(z.strictObject({ sidecar: z.string(), problem: z.string() })),
  /** Where an unreadable ledger was moved to, root-relative. */
  setAside: z.string().nullable(),
  /** The shared (PostgreSQL) ledger filled from the same stamps: where (no password) and how many rows it lacked. */
  shared: z.strictObject({ ledger: z.string(), added: z.number().int().nonnegative() }).optional(),
});
export type RebuildReport = z.infer<typeof RebuildReportSchema>;

/** `provenant ledger sync`: rows sent to the shared ledger now, rows still pending. */
export const SyncReportSchema = z.strictObject({
  version: z.literal(1),
  ledger: z.string(),
  backend: z.enum(['sqlite', 'postgresql']),
  sent: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  reason: z.string().nullable(),
});
export type SyncReport = z.infer<typeof SyncReportSchema>;
