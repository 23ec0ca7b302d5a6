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

static int32_t emit(TSTreeCursor *cursor, int32_t parent) {
  /* out of memory, as tree-sitter's own allocations end: a trap, and the caller's worker retires */
  if (!reserve()) abort();
  TSNode node = ts_tree_cursor_current_node(cursor);
  int32_t i = (int32_t)count++;
  int32_t *row = table + (size_t)i * WIDTH;
  TSPoint s = ts_node_start_point(node), e = ts_node_end_point(node);
  row[KIND] = ts_node_symbol(node);
  row[FIELD] = parent < 0 ? 0 : ts_tree_cursor_current_field_id(cursor);
  row[FLAGS] = (ts_node_is_named(node) ? NAMED : 0) | (ts_node_is_missing(node) ? MISSING : 0) |
               (ts_node_has_error(node) ? HAS_ERROR : 0) | (ts_node_is_extra(node) ? EXTRA : 0);
  row[START] = (int32_t)(ts_node_start_byte(node) / 2);
  row[END] = (int32_t)(ts_node_end_byte(node) / 2);
  row[START_ROW] = (int32_t)s.row;
  row[START_COL] = (int32_t)(s.column / 2);
  row[END_ROW] = (int32_t)e.row;
  row[END_COL] = (int32_t)(e.column / 2);
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
 * Parses the input (UTF-16, as web-tree-sitter parses, so that offsets and columns are JavaScript string
 * offsets) and writes the table; the number of rows, or -1 when tree-sitter gives no tree.
 */
EXPORT(flat_parse) int32_t flat_parse(uint32_t units) {
  TSTree *tree = ts_parser_parse_string_encoding(parser, NULL, (const char *)input, units * 2, TSInputEncodingUTF16LE);
  if (!tree) return -1;
  TSTreeCursor cursor = ts_tree_cursor_new(ts_tree_root_node(tree));
  count = 0;
  int32_t cur = emit(&cursor, -1);
  for (;;) {
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      cur = emit(&cursor, cur);
      continue;
    }
    int done = 0;
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        done = 1;
        break;
      }
      cur = table[(size_t)cur * WIDTH + PARENT];
    }
    if (done) break;
    cur = emit(&cursor, table[(size_t)cur * WIDTH + PARENT]);
  }
  ts_tree_cursor_delete(&cursor);
  ts_tree_delete(tree);
  return (int32_t)count;
}

EXPORT(flat_table) int32_t *flat_table(void) { return table; }

EXPORT(flat_symbol_count) uint32_t flat_symbol_count(void) { return ts_language_symbol_count(tree_sitter_python()); }
EXPORT(flat_symbol_name) const char *flat_symbol_name(uint32_t symbol) { return ts_language_symbol_name(tree_sitter_python(), (TSSymbol)symbol); }
EXPORT(flat_field_count) uint32_t flat_field_count(void) { return ts_language_field_count(tree_sitter_python()); }
EXPORT(flat_field_name) const char *flat_field_name(uint32_t field) { return ts_language_field_name_for_id(tree_sitter_python(), (TSFieldId)field); }
