/**
 * The vocabulary of value flow (flow.ts): which calls and slots carry a value's text on, which only look
 * for it or test it, and which node kinds it passes through unchanged.
 */

/**
 * Keyword slots that configure a call rather than feed it text: a string there is a stop string, a
 * special token or a template definition, and what the call returns does not carry it as text.
 */
export const CONFIG_SLOT =
  /^(?:stop\w*|\w*_stop|eos\w*|bos\w*|pad\w*|unk\w*|sep\w*|cls\w*|mask\w*|\w*_tokens?|\w*_token_ids?|special_tokens\w*|chat_template\w*|\w*template|bad_words\w*|skip_\w+|help)$/i;

/** Calls whose result does not carry an argument's text: token lookups, vocab edits, tests, messages. */
export const OPAQUE_CALLS = new Set([
  'convert_tokens_to_ids',
  'convert_ids_to_tokens',
  'token_to_id',
  'add_special_tokens',
  'add_tokens',
  'AddedToken',
  'get_vocab',
  'len',
  'bool',
  'int',
  'float',
  'hash',
  'id',
  'isinstance',
  'hasattr',
  'getattr',
  'setattr',
  'print',
  'debug',
  'info',
  'warning',
  'warn',
  'error',
  'exception',
  'critical',
  'log',
  'escape',
  'compile',
]);

/**
 * str and regex methods that look for their argument in other text: the argument is a pattern
 * (`text.count("<|im_start|>")`, `re.sub(marker, …)`). Extraction gives such strings the `comparison` role.
 */
export const SEARCH_METHODS: ReadonlySet<string> = new Set([
  'count', 'find', 'rfind', 'index', 'rindex', 'startswith', 'endswith', 'replace', 'split', 'rsplit',
  'partition', 'rpartition', 'strip', 'lstrip', 'rstrip', 'removeprefix', 'removesuffix', '__contains__',
  'search', 'match', 'fullmatch', 'findall', 'finditer', 'sub',
]);

/** Calls that end a value's walk as a pattern: the search methods, and reading a parsed node's `.text`. */
export const SEARCH_CALLS: ReadonlySet<string> = new Set([...SEARCH_METHODS, 'text']);

/** Method names the libraries use too: a call of one on any receiver is not evidence of the file's own method. */
export const LIBRARY_METHODS = new Set([
  'generate',
  'encode',
  'decode',
  'apply_chat_template',
  'chat',
  'complete',
  'forward',
  '__call__',
  'tokenize',
  'format',
  'get',
  'run',
  'update',
  'save',
  'load',
]);

/** Methods that put their argument into the receiver: the container carries the value from then on. */
export const CONTAINER_ADD = new Set(['append', 'extend', 'insert', 'add', 'update', 'appendleft', 'extendleft', 'put', 'put_nowait', 'setdefault']);

/** Methods whose result, called on the value, is a test or a position rather than the text. */
export const TEST_METHODS = new Set(['count', 'find', 'rfind', 'index', 'rindex', 'startswith', 'endswith', '__contains__', '__len__', 'isdigit', 'isspace']);

/** Node kinds a value passes through unchanged in meaning (it is part of the larger value). */
export const CARRIERS = new Set([
  'binary_operator',
  'concatenated_string',
  'parenthesized_expression',
  'list',
  'tuple',
  'set',
  'dictionary',
  'expression_list',
  'list_splat',
  'dictionary_splat',
  'boolean_operator',
  'await',
  'interpolation',
  'string',
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
  'lambda',
  'type_conversion',
]);
