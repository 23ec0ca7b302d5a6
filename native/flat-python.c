/*
 * The Python parser as one flat table: tree-sitter parses a UTF-16 source and one walk in wasm writes every
 * node (kind, field, flags, span, parent, next sibling, child count) to an int32 table, preorder. The
 * extraction then reads nodes from that table in JavaScript instead of crossing into wasm for each of them.
 * Built by scripts/build-flat-wasm.sh into grammars/python-flat.wasm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tree_sitter/api.h"
#include "language.h"
#include "length.h"
#include "subtree.h"
#include "tree.h"

#define EXPORT(name) __attribute__((export_name(#name)))

/* the ints of one row; keep in step with src/analysis/python/flat-tree.ts */
enum { KIND, FIELD, FLAGS, START, END, START_ROW, START_COL, END_ROW, END_COL, PARENT, NEXT, CHILDREN, WIDTH };
enum { NAMED = 1, MISSING = 2, HAS_ERROR = 4, EXTRA = 8 };

extern const TSLanguage *tree_sitter_python(void);

static TSParser *parser;
static uint16_t *input;
static uint32_t input_cap;
static int32_t *table;
static int32_t *last;
static uint32_t table_cap;
static uint32_t count;

EXPORT(flat_init) int32_t flat_init(void) {
  parser = ts_parser_new();
  return parser && ts_parser_set_language(parser, tree_sitter_python()) ? 0 : -1;
}

/* a buffer for `units` UTF-16 code units of source, written by the caller before flat_parse */
EXPORT(flat_input) uint16_t *flat_input(uint32_t units) {
  if (units + 1 > input_cap) {
    free(input);
    input_cap = units + 1;
    input = malloc(input_cap * sizeof(uint16_t));
  }
  return input;
}

static int reserve(void) {
  if (count < table_cap) return 1;
  uint32_t cap = table_cap ? table_cap * 2 : 4096;
  int32_t *t = realloc(table, (size_t)cap * WIDTH * sizeof(int32_t));
  if (!t) return 0;
  table = t;
  int32_t *l = realloc(last, (size_t)cap * sizeof(int32_t));
  if (!l) return 0;
  last = l;
  table_cap = cap;
  return 1;
}

static const TSLanguage *language;

/* one node to the table, its span the positions given (bytes and columns of UTF-16: halved) */
static int32_t emit(Subtree node, TSSymbol alias, TSFieldId field, Length start, int32_t parent) {
  /* out of memory, as tree-sitter's own allocations end: a trap, and the caller's worker retires */
  if (!reserve()) abort();
  int32_t i = (int32_t)count++;
  int32_t *row = table + (size_t)i * WIDTH;
  Length end = length_add(start, ts_subtree_size(node));
  TSSymbol symbol = alias ? alias : ts_subtree_symbol(node);
  bool named = alias ? ts_language_symbol_metadata(language, alias).named : ts_subtree_named(node);
  row[KIND] = ts_language_public_symbol(language, symbol);
  row[FIELD] = field;
  row[FLAGS] = (named ? NAMED : 0) | (ts_subtree_missing(node) ? MISSING : 0) | (ts_subtree_error_cost(node) > 0 ? HAS_ERROR : 0) |
               (ts_subtree_extra(node) ? EXTRA : 0);
  row[START] = (int32_t)(start.bytes / 2);
  row[END] = (int32_t)(end.bytes / 2);
  row[START_ROW] = (int32_t)start.extent.row;
  row[START_COL] = (int32_t)(start.extent.column / 2);
  row[END_ROW] = (int32_t)end.extent.row;
  row[END_COL] = (int32_t)(end.extent.column / 2);
  row[PARENT] = parent;
  row[NEXT] = -1;
  row[CHILDREN] = 0;
  last[i] = -1;
  if (parent >= 0) {
    int32_t *p = table + (size_t)parent * WIDTH;
    p[CHILDREN]++;
    if (last[parent] >= 0) table[(size_t)last[parent] * WIDTH + NEXT] = i;
    last[parent] = i;
  }
  return i;
}

/*
 * A subtree whose children are being walked: visible (a row of the table), or hidden, its visible descendants
 * then children of the nearest visible ancestor, the field it holds there inherited by them (as
 * ts_tree_cursor_current_field_id finds it, walking up through hidden ancestors).
 */
typedef struct {
  Subtree node;
  Length position;
  uint32_t child;
  uint32_t structural;
  int32_t row;
  TSFieldId inherited;
} Frame;

static Frame *frames;
static uint32_t frames_cap;

static void push(Subtree node, Length start, int32_t row, TSFieldId inherited, uint32_t *depth) {
  if (*depth == frames_cap) {
    uint32_t cap = frames_cap ? frames_cap * 2 : 256;
    Frame *f = realloc(frames, cap * sizeof(Frame));
    if (!f) abort();
    frames = f;
    frames_cap = cap;
  }
  frames[(*depth)++] = (Frame){node, start, 0, 0, row, inherited};
}

/* the field of the child at `structural` in `parent`'s production, not inherited */
static TSFieldId field_of(Subtree parent, uint32_t structural) {
  const TSFieldMapEntry *map, *map_end;
  ts_language_field_map(language, ts_subtree_production_id(parent), &map, &map_end);
  for (; map < map_end; map++) {
    if (!map->inherited && map->child_index == structural) return map->field_id;
  }
  return 0;
}

/*
 * Parses the input (UTF-16, as web-tree-sitter parses, so that offsets and columns are JavaScript string
 * offsets) and writes the table in one walk over the subtrees, preorder, visiting what a tree cursor visits;
 * the number of rows, or -1 when tree-sitter gives no tree.
 */
EXPORT(flat_parse) int32_t flat_parse(uint32_t units) {
  TSTree *tree = ts_parser_parse_string_encoding(parser, NULL, (const char *)input, units * 2, TSInputEncodingUTF16LE);
  if (!tree) return -1;
  language = tree->language;
  count = 0;
  Length start = ts_subtree_padding(tree->root);
  int32_t root = emit(tree->root, 0, 0, start, -1);
  uint32_t depth = 0;
  if (ts_subtree_child_count(tree->root) > 0) push(tree->root, start, root, 0, &depth);
  while (depth > 0) {
    Frame *f = &frames[depth - 1];
    if (f->child == f->node.ptr->child_count) {
      depth--;
      continue;
    }
    Subtree child = ts_subtree_children(f->node)[f->child];
    if (f->child > 0) f->position = length_add(f->position, ts_subtree_padding(child));
    Length at = f->position;
    f->position = length_add(f->position, ts_subtree_size(child));
    f->child++;
    bool extra = ts_subtree_extra(child);
    TSSymbol alias = 0;
    TSFieldId field = 0;
    if (!extra) {
      const TSSymbol *aliases = ts_language_alias_sequence(language, ts_subtree_production_id(f->node));
      if (aliases) alias = aliases[f->structural];
      field = field_of(f->node, f->structural);
      if (!field) field = f->inherited;
      f->structural++;
    }
    bool nested = ts_subtree_child_count(child) > 0;
    if (ts_subtree_visible(child) || alias) {
      int32_t row = emit(child, alias, field, at, f->row);
      if (nested) push(child, at, row, 0, &depth);
    } else if (nested) {
      /* its children sit under the visible ancestor, with the field it holds there; an extra passes none on */
      int32_t parent_row = f->row;
      push(child, at, parent_row, extra ? 0 : field, &depth);
    }
  }
  ts_tree_delete(tree);
  return (int32_t)count;
}

EXPORT(flat_table) int32_t *flat_table(void) { return table; }

EXPORT(flat_symbol_count) uint32_t flat_symbol_count(void) { return ts_language_symbol_count(tree_sitter_python()); }
EXPORT(flat_symbol_name) const char *flat_symbol_name(uint32_t symbol) { return ts_language_symbol_name(tree_sitter_python(), (TSSymbol)symbol); }
EXPORT(flat_field_count) uint32_t flat_field_count(void) { return ts_language_field_count(tree_sitter_python()); }
EXPORT(flat_field_name) const char *flat_field_name(uint32_t field) { return ts_language_field_name_for_id(tree_sitter_python(), (TSFieldId)field); }
