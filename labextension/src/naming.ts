/**
 * Function names, validated as the converter validates them (nb2pkg/roles/vocabulary.py's
 * name rules, whose word lists come through vocabulary.json: NB101 not an
 * identifier, NB102 a keyword, NB103 a builtin or a reserved name),
 * and suggested from the markdown heading above a cell or from its code
 * (the same snake_case rule as nb2pkg/plan/automark.py).
 *
 * No @jupyterlab import here: plain ts-jest tests this module.
 */

import {
  PYTHON_BUILTINS,
  PYTHON_KEYWORDS,
  PYTHON_SOFT_KEYWORDS,
  RESERVED_NAMES
} from './vocabulary';

const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;
const MAX_NAME_WORDS = 5;

/** Why a function name is refused, with the converter's code and a fix. */
export interface INameProblem {
  code: 'NB101' | 'NB102' | 'NB103';
  message: string;
  hint: string;
}

/** The problem with `name` as a function name, or null when the converter accepts it. */
export function functionNameProblem(name: string): INameProblem | null {
  if (!IDENTIFIER.test(name)) {
    const suggestion = identifierFrom(name) || 'step';
    return {
      code: 'NB101',
      message: `"${name}" is not a valid Python identifier`,
      hint: `use letters, digits and underscores, e.g. ${suggestion}`
    };
  }
  if (PYTHON_KEYWORDS.has(name)) {
    return {
      code: 'NB102',
      message: `"${name}" is a Python keyword`,
      hint: `choose another name, e.g. ${name}_step`
    };
  }
  if (PYTHON_BUILTINS.has(name) || RESERVED_NAMES.has(name)) {
    const kind = PYTHON_BUILTINS.has(name)
      ? 'a Python builtin'
      : 'reserved by the generated package';
    return {
      code: 'NB103',
      message: `"${name}" shadows ${kind}`,
      hint: `choose another name, e.g. compute_${name}`
    };
  }
  return null;
}

/** The last heading of a markdown cell (ATX `# …` or a setext underline), or null. */
export function lastHeading(markdown: string): string | null {
  let best: { at: number; text: string } | null = null;
  const atx = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm;
  const setext = /^(\S.*)\n(=+|-+)\s*$/gm;
  for (const pattern of [atx, setext]) {
    for (const match of markdown.matchAll(pattern)) {
      const at = match.index ?? 0;
      if (best === null || at >= best.at) {
        best = { at, text: match[1] };
      }
    }
  }
  return best ? best.text : null;
}

/** `"2. Load the *raw* data!"` → `"load_the_raw_data"` (at most five words; may be ""). */
export function snakeCase(heading: string): string {
  let text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
  text = text.replace(/<[^>]+>/g, ' ').trim();
  text = text.replace(
    /^(?:(?:step|part|section|chapter)\s*\d+[.):-]?|\d+(?:\.\d+)*[.):]|\d+(?:\.\d+)+)\s+/i,
    ''
  );
  text = text.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.slice(0, MAX_NAME_WORDS).join('_');
}

/** The names bound by the last top-level assignment of a cell (`a, b = …` → [a, b]). */
export function lastAssignedNames(code: string): string[] {
  let found: string[] = [];
  for (const line of code.split('\n')) {
    const match = /^([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)*)\s*(?::[^=]+)?=(?!=)/.exec(line);
    if (match) {
      found = match[1].split(',').map(part => part.trim());
    }
  }
  return found;
}

/**
 * A function name to prefill the "mark as function" dialog with: the heading
 * above the cell in snake_case, else `make_<last assigned name>`, else `step`;
 * made acceptable (`_step` appended) and distinct from `taken` (`_2`, `_3`…).
 */
export function suggestFunctionName(
  headingAbove: string | null,
  code: string,
  taken: ReadonlySet<string> = new Set()
): string {
  let base = headingAbove ? snakeCase(headingAbove) : '';
  if (!base) {
    const assigned = lastAssignedNames(code);
    base = assigned.length ? `make_${assigned[assigned.length - 1]}` : 'step';
  }
  if (/^\d/.test(base)) {
    base = `step_${base}`;
  }
  if (functionNameProblem(base) !== null || PYTHON_SOFT_KEYWORDS.has(base)) {
    base = `${base}_step`;
  }
  let candidate = base;
  for (let counter = 2; taken.has(candidate); counter++) {
    candidate = `${base}_${counter}`;
  }
  return candidate;
}

function identifierFrom(name: string): string {
  let text = name
    .replace(/\W+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  if (/^\d/.test(text)) {
    text = `step_${text}`;
  }
  return text;
}
