/**
 * Function names, validated as the converter validates them (nb2pkg/roles/vocabulary.py's
 * name rules, whose word lists come through vocabulary.json: NB101 not an
 * identifier, NB102 a keyword, NB103 a builtin or a reserved name). The name the
 * "Mark cell as function" dialog starts with comes from the server (`POST
 * /nb2pkg/suggest-name`, the rule of `nb2pkg tag --as function`).
 *
 * No @jupyterlab import here: plain ts-jest tests this module.
 */

import { PYTHON_BUILTINS, PYTHON_KEYWORDS, RESERVED_NAMES } from './vocabulary';

const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

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
