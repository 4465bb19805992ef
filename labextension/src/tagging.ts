/**
 * The cell-tag edits behind nb2pkg's marking commands, as pure functions of a
 * cell's `metadata.tags` list: each returns the new list, leaving tags of other
 * tools (nbval, papermill's `injected-parameters`, …) where they were.
 *
 * The vocabulary is nb2pkg's own table (nb2pkg/roles/vocabulary.py, read through
 * vocabulary.json): `function:NAME`, `test`, `test:NAME`, `parameters`,
 * `metrics`, `export`, `skip`, `module:NAME`; the Kale and nbdev aliases the
 * converter reads as roles count as roles here too, so marking a cell replaces
 * them instead of creating a conflict (NB106). Several role tags combine as in
 * the converter: `skip` wins, two different roles are a conflict.
 *
 * No @jupyterlab import here: plain ts-jest tests this module.
 */
import {
  FOREIGN_TAGS,
  IGNORED_PREFIXES,
  METRICS_PREFIXES,
  MODULE_PREFIX,
  NAMED_ROLES,
  NBDEV_DIRECTIVES,
  OVERRIDING_ROLE,
  Role,
  ROLE_OF_PREFIX
} from './vocabulary';

export type { Role } from './vocabulary';

/** What a cell's tags make of it. */
export interface ICellMarking {
  /** The role the converter gives the cell; null when unmarked or when its roles conflict. */
  role: Role | null;
  /** The function name for `function:NAME`, the test name for `test:NAME`. */
  name: string | null;
  metrics: boolean;
  module: string | null;
  /** Two different role tags (or two function tags): the converter reports NB106. */
  conflict: boolean;
}

const NBDEV_DIRECTIVE = /^\s*#\s*\|\s*([\w-]+)/;

function prefixOf(tag: string): string {
  return tag.split(':', 1)[0].trim().toLowerCase();
}

function valueOf(tag: string): string {
  const at = tag.indexOf(':');
  return at < 0 ? '' : tag.slice(at + 1).trim();
}

function roleOf(tag: string): Role | null {
  const prefix = prefixOf(tag);
  return Object.prototype.hasOwnProperty.call(ROLE_OF_PREFIX, prefix)
    ? ROLE_OF_PREFIX[prefix]
    : null;
}

/** The tags nbdev's `#| export` / `#| hide` lines at the top of a cell's code stand for. */
export function nbdevTags(source: string): string[] {
  const found: string[] = [];
  for (const line of source.split('\n')) {
    if (!line.trim()) {
      continue;
    }
    const match = NBDEV_DIRECTIVE.exec(line);
    if (match === null) {
      break;
    }
    const directive = match[1].toLowerCase();
    if (Object.prototype.hasOwnProperty.call(NBDEV_DIRECTIVES, directive)) {
      found.push(NBDEV_DIRECTIVES[directive]);
    }
  }
  return found;
}

/** True for a tag that gives a cell its role (ours or an alias the converter reads). */
export function isRoleTag(tag: string): boolean {
  return roleOf(tag) !== null;
}

/** True for any tag nb2pkg reads: role tags, `metrics`, `module:NAME`. */
export function isNb2pkgTag(tag: string): boolean {
  const prefix = prefixOf(tag);
  return isRoleTag(tag) || METRICS_PREFIXES.has(prefix) || prefix === MODULE_PREFIX;
}

/**
 * The marking the tags (and the nbdev directives at the top of `source`)
 * describe, resolved as the converter resolves them: `skip` anywhere wins; two
 * different roles, or two function tags, conflict and leave the cell unmarked.
 */
export function markingOf(tags: readonly string[], source = ''): ICellMarking {
  const marking: ICellMarking = {
    role: null,
    name: null,
    metrics: false,
    module: null,
    conflict: false
  };
  const roles: { role: Role; name: string | null }[] = [];
  for (const raw of [...tags, ...nbdevTags(source)]) {
    const tag = raw.trim();
    const prefix = prefixOf(tag);
    const role = roleOf(tag);
    if (FOREIGN_TAGS.has(tag) || IGNORED_PREFIXES.has(prefix)) {
      continue;
    }
    if (role !== null) {
      roles.push({ role, name: valueOf(tag) || null });
    } else if (METRICS_PREFIXES.has(prefix)) {
      marking.metrics = true;
    } else if (prefix === MODULE_PREFIX) {
      marking.module = valueOf(tag) || null;
    }
  }
  if (roles.some(r => r.role === OVERRIDING_ROLE)) {
    marking.role = OVERRIDING_ROLE;
    return marking;
  }
  const distinct = new Set(roles.map(r => r.role));
  const functions = roles.filter(r => r.role === 'function').length;
  if (distinct.size > 1 || functions > 1) {
    marking.conflict = true;
  } else if (roles.length) {
    marking.role = roles[0].role;
    marking.name = Object.prototype.hasOwnProperty.call(NAMED_ROLES, roles[0].role)
      ? roles[0].name
      : null;
  }
  return marking;
}

/** The tag that marks a role: `function:NAME`, `test` or `test:NAME`, `parameters`, … */
export function roleTag(role: Role, name?: string | null): string {
  if (role === 'function') {
    if (!name) {
      throw new Error('a function cell needs a name');
    }
    return `function:${name}`;
  }
  if (role === 'test' && name) {
    return `test:${name}`;
  }
  return role;
}

/**
 * Give the cell `role`: its other role tags go (and `metrics` unless it stays a
 * function); the new tag takes the place of the first removed one, so a
 * re-marked cell keeps its tag order.
 */
export function withRole(tags: readonly string[], role: Role, name?: string | null): string[] {
  const replacement = roleTag(role, name);
  const result: string[] = [];
  let placed = false;
  for (const tag of tags) {
    const dropMetrics = METRICS_PREFIXES.has(prefixOf(tag)) && role !== 'function';
    if (isRoleTag(tag) || dropMetrics) {
      if (!placed && isRoleTag(tag)) {
        result.push(replacement);
        placed = true;
      }
      continue;
    }
    result.push(tag);
  }
  if (!placed) {
    result.push(replacement);
  }
  return dedupe(result);
}

/** Add or remove `metrics` (meaningful on function cells only). */
export function withMetrics(tags: readonly string[], on: boolean): string[] {
  const rest = tags.filter(tag => !METRICS_PREFIXES.has(prefixOf(tag)));
  return on ? [...rest, 'metrics'] : rest;
}

/** Remove every nb2pkg tag; tags of other tools stay. */
export function withoutMarks(tags: readonly string[]): string[] {
  return tags.filter(tag => !isNb2pkgTag(tag));
}

/** True when the two tag lists are the same list (an edit that changes nothing is skipped). */
export function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}

function dedupe(tags: string[]): string[] {
  return tags.filter((tag, i) => tags.indexOf(tag) === i);
}
