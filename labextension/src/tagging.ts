/**
 * The cell-tag edits behind nb2pkg's marking commands, as pure functions of a
 * cell's `metadata.tags` list: each returns the new list, leaving tags of other
 * tools (nbval, papermill's `injected-parameters`, …) where they were.
 *
 * The grammar is nb2pkg's (nb2pkg/tags.py): `function:NAME`, `test`,
 * `test:NAME`, `parameters`, `metrics`, `export`, `skip`, `module:NAME`; the
 * Kale and nbdev aliases the converter reads as roles count as roles here too,
 * so marking a cell replaces them instead of creating a conflict (NB106).
 *
 * No @jupyterlab import here: plain ts-jest tests this module.
 */

export type Role = 'function' | 'test' | 'parameters' | 'export' | 'skip';

/** What a cell's tags make of it. */
export interface ICellMarking {
  role: Role | null;
  /** The function name for `function:NAME`, the test name for `test:NAME`. */
  name: string | null;
  metrics: boolean;
  module: string | null;
}

const ROLE_OF_PREFIX: { [prefix: string]: Role } = {
  function: 'function',
  step: 'function',
  block: 'function',
  test: 'test',
  parameters: 'parameters',
  'pipeline-parameters': 'parameters',
  export: 'export',
  exporti: 'export',
  exports: 'export',
  imports: 'export',
  functions: 'export',
  skip: 'skip',
  hide: 'skip'
};
const METRICS_TAGS = new Set(['metrics', 'pipeline-metrics']);

function prefixOf(tag: string): string {
  return tag.split(':', 1)[0].trim().toLowerCase();
}

function valueOf(tag: string): string {
  const at = tag.indexOf(':');
  return at < 0 ? '' : tag.slice(at + 1).trim();
}

/** True for a tag that gives a cell its role (ours or an alias the converter reads). */
export function isRoleTag(tag: string): boolean {
  return Object.prototype.hasOwnProperty.call(ROLE_OF_PREFIX, prefixOf(tag));
}

/** True for any tag nb2pkg reads: role tags, `metrics`, `module:NAME`. */
export function isNb2pkgTag(tag: string): boolean {
  const prefix = prefixOf(tag);
  return isRoleTag(tag) || METRICS_TAGS.has(prefix) || prefix === 'module';
}

/** The marking the tags describe; the first role tag wins, as in the converter. */
export function markingOf(tags: readonly string[]): ICellMarking {
  const marking: ICellMarking = { role: null, name: null, metrics: false, module: null };
  for (const tag of tags) {
    const prefix = prefixOf(tag);
    if (METRICS_TAGS.has(prefix)) {
      marking.metrics = true;
    } else if (prefix === 'module') {
      marking.module = valueOf(tag) || null;
    } else if (isRoleTag(tag) && marking.role === null) {
      marking.role = ROLE_OF_PREFIX[prefix];
      marking.name = valueOf(tag) || null;
    }
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
    const dropMetrics = METRICS_TAGS.has(prefixOf(tag)) && role !== 'function';
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
  const rest = tags.filter(tag => !METRICS_TAGS.has(prefixOf(tag)));
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
