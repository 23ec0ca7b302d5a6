/**
 * `local/layers`: no import runs back up. Each file of src/ and audits/ sits in a layer, and may import only
 * its own layer or lower ones:
 *
 *   core ← schemas ← config ← analysis ← store ← similarity ← registry, audit (the rule API), hooks
 *     ← audits/ (the rules) ← the audit run (the rest of src/audit: engine, scan, catalog, reporters, …)
 *     ← provenance ← pipeline, llm ← ui, tui, server ← src/index.ts ← cli
 *
 * Static and dynamic imports and re-exports are checked; tests may import anything.
 */
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const LAYERS = [
  ['core', 'version.ts'],
  ['schemas'],
  ['config'],
  ['analysis'],
  ['store'],
  ['similarity'],
  ['registry', 'audit', 'hooks'],
  ['audits'],
  ['audit run'],
  ['provenance'],
  ['pipeline', 'llm'],
  ['ui', 'tui', 'server'],
  ['index.ts'],
  ['cli'],
];
const LEVEL = new Map(LAYERS.flatMap((names, level) => names.map((name) => [name, level])));

/**
 * The audit's rule API: what the rules in audits/ may import (the rule and its context, the project, the
 * API and model tables, fixes). Every other file of src/audit runs the rules (engine, scan, catalog,
 * reporters, fixes applied, ...) and sits above audits/, which the engine imports.
 */
const RULE_API = new Set([...['rule', 'project', 'apis', 'intent', 'model-classes', 'fixes'].map((name) => `src/audit/${name}.ts`), 'src/audit/model-catalog.json']);

/** The layer of a repository-relative path, or null for files outside the layering (tests, bench, scripts). */
export function layerOf(rel) {
  if (rel.startsWith('src/audit/') && !RULE_API.has(rel)) return 'audit run';
  const [top, second] = rel.split('/');
  if (top === 'audits') return 'audits';
  if (top === 'src' && second !== undefined) {
    const name = second.replace(/\.js$/, '.ts');
    return LEVEL.has(name) ? name : null;
  }
  return null;
}

export const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'a module may import only its own layer or lower ones (core ← schemas ← … ← cli)' },
    schema: [],
    messages: { up: '{{from}} ({{fromLayer}}) may not import {{to}} ({{toLayer}}), a higher layer; move what both need down' },
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const own = layerOf(file);
    if (own === null || /\.test\.tsx?$/.test(file)) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), source)).split(path.sep).join('/').replace(/\.js$/, '.ts');
      const theirs = layerOf(target);
      if (theirs === null || (LEVEL.get(theirs) ?? 0) <= (LEVEL.get(own) ?? 0)) return;
      context.report({ node, messageId: 'up', data: { from: file, fromLayer: own, to: target, toLayer: theirs } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { layers } };
