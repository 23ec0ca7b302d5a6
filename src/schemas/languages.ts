/**
 * The languages provenant reads: the one list the facts model, the rule schema and the registry's report
 * are written from. Each has exactly one front end in `front-ends.ts`.
 */

export const LANGUAGES = ['python', 'shell', 'make', 'yaml', 'typescript', 'javascript', 'json', 'toml', 'notebook'] as const;

export type Language = (typeof LANGUAGES)[number];
