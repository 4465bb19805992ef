/**
 * nb2pkg's tag vocabulary, name rules and diagnostic codes, typed. The data is
 * vocabulary.json, generated from the Python tables (nb2pkg/roles/vocabulary.py,
 * nb2pkg/roles/diagnostic_codes.py) by `jlpm build:vocabulary`; never edit it by
 * hand: a Python test fails when it differs from the tables.
 *
 * No @jupyterlab import here: plain ts-jest tests this module.
 */
import data from './vocabulary.json';

export type Role = 'function' | 'test' | 'parameters' | 'export' | 'skip';

export type Severity = 'error' | 'warning' | 'info';

/** One diagnostic code: its usual severity, what it means and what to do. */
export interface ICodeInfo {
  severity: Severity;
  title: string;
  hint: string;
}

interface IVocabulary {
  roleOfPrefix: { [prefix: string]: Role };
  overridingRole: Role;
  namedRoles: { [role: string]: boolean };
  metricsPrefixes: string[];
  modulePrefix: string;
  ignoredPrefixes: string[];
  ourTags: string[];
  ourTagForms: string[];
  nbdevDirectives: { [directive: string]: string };
  foreignTags: string[];
  reservedNames: string[];
  generatedModules: string[];
  pythonKeywords: string[];
  pythonSoftKeywords: string[];
  pythonBuiltins: string[];
  diagnostics: { [code: string]: ICodeInfo };
}

const vocabulary = data as IVocabulary;

/** Tag prefixes that give a cell its role: ours and the Kale and nbdev aliases. */
export const ROLE_OF_PREFIX: Readonly<{ [prefix: string]: Role }> = vocabulary.roleOfPrefix;
/** A cell with this role among its tags has it, whatever other role tags it carries. */
export const OVERRIDING_ROLE: Role = vocabulary.overridingRole;
/** Roles whose tag carries a name: true when it is required, false when optional. */
export const NAMED_ROLES: Readonly<{ [role: string]: boolean }> = vocabulary.namedRoles;
export const METRICS_PREFIXES: ReadonlySet<string> = new Set(vocabulary.metricsPrefixes);
export const MODULE_PREFIX: string = vocabulary.modulePrefix;
/** Tags the converter reads but that give no role (Kale's `prev:NAME`). */
export const IGNORED_PREFIXES: ReadonlySet<string> = new Set(vocabulary.ignoredPrefixes);
/** nbdev's `#| DIRECTIVE` lines at the top of a cell, and the tag each stands for. */
export const NBDEV_DIRECTIVES: Readonly<{ [directive: string]: string }> =
  vocabulary.nbdevDirectives;
/** Tags of other tools (nbval, papermill, Jupyter Book…): respected, never reported. */
export const FOREIGN_TAGS: ReadonlySet<string> = new Set(vocabulary.foreignTags);
/** Our tags as the user writes them. */
export const OUR_TAG_FORMS: readonly string[] = vocabulary.ourTagForms;

/** Names the generated package defines itself (a function with one would clash). */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(vocabulary.reservedNames);
/** Python's keywords (`keyword.kwlist`). */
export const PYTHON_KEYWORDS: ReadonlySet<string> = new Set(vocabulary.pythonKeywords);
/** Python's soft keywords (`keyword.softkwlist`). */
export const PYTHON_SOFT_KEYWORDS: ReadonlySet<string> = new Set(vocabulary.pythonSoftKeywords);
/** `dir(builtins)` without the dunder names. */
export const PYTHON_BUILTINS: ReadonlySet<string> = new Set(vocabulary.pythonBuiltins);

/** Every diagnostic code nb2pkg reports. */
export const DIAGNOSTIC_CODES: Readonly<{ [code: string]: ICodeInfo }> = vocabulary.diagnostics;

/** The code's entry, or undefined for a code this build of the extension does not know. */
export function codeInfo(code: string): ICodeInfo | undefined {
  return Object.prototype.hasOwnProperty.call(DIAGNOSTIC_CODES, code)
    ? DIAGNOSTIC_CODES[code]
    : undefined;
}
