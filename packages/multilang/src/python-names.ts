/** Python 3 keywords (`keyword.kwlist`): namedtuple refuses them as field names. Soft keywords are allowed. */
const PYTHON_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

const IDENTIFIER = /^[\p{XID_Start}_][\p{XID_Continue}]*$/u;

/**
 * Why `name` cannot be a field of a Python named tuple (what pystorm builds from every stream's fields, without
 * renaming), or undefined when it can: it must be an identifier, not a keyword, and not start with `_`.
 */
export function pythonFieldNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) return 'is not a valid Python identifier';
  if (PYTHON_KEYWORDS.has(name)) return 'is a Python keyword';
  if (name.startsWith('_')) return "starts with '_'";
  return undefined;
}

/** The explanation appended to every field-name problem, so the user knows why a plain string is refused. */
export const PYTHON_FIELD_RULE =
  'multi-lang components receive tuples as Python named tuples (pystorm), so field names must be Python identifiers, not keywords, not starting with _';
