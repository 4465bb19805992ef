import { isNb2pkgTag, markingOf, sameTags, withMetrics, withoutMarks, withRole } from '../tagging';
import cases from './marking_cases.json';

interface IMarkingCase {
  tags: string[];
  source?: string;
  role: string | null;
  name?: string;
  conflict?: boolean;
}

describe('markingOf on the cases the converter is tested with too (tests/unit/test_vocabulary.py)', () => {
  it.each((cases as IMarkingCase[]).map(c => [JSON.stringify(c), c]))('%s', (_, c) => {
    const marking = markingOf(c.tags, c.source ?? '');
    expect(marking.role).toBe(c.role);
    expect(marking.conflict).toBe(c.conflict ?? false);
    if (c.name !== undefined) {
      expect(marking.name).toBe(c.name);
    }
  });
});

describe('markingOf', () => {
  it('reads a function cell with metrics and a module', () => {
    expect(markingOf(['function:train', 'metrics', 'module:models'])).toEqual({
      role: 'function',
      name: 'train',
      metrics: true,
      module: 'models',
      conflict: false
    });
  });

  it('reads the aliases the converter reads (Kale, nbdev)', () => {
    expect(markingOf(['step:load']).role).toBe('function');
    expect(markingOf(['pipeline-parameters']).role).toBe('parameters');
    expect(markingOf(['imports']).role).toBe('export');
    expect(markingOf(['hide']).role).toBe('skip');
  });

  it('names a test only when the tag does', () => {
    expect(markingOf(['test'])).toMatchObject({ role: 'test', name: null });
    expect(markingOf(['test:shapes'])).toMatchObject({ role: 'test', name: 'shapes' });
  });

  it("leaves other tools' tags unmarked", () => {
    expect(markingOf(['nbval-skip', 'hide-input']).role).toBeNull();
  });

  it('lets skip win over any other role, as the converter does', () => {
    expect(markingOf(['function:train', 'skip'])).toMatchObject({ role: 'skip', conflict: false });
    expect(markingOf(['skip', 'function:train']).role).toBe('skip');
    expect(markingOf(['hide', 'test']).role).toBe('skip');
  });

  it('reports two different roles as a conflict and no role (NB106)', () => {
    expect(markingOf(['function:a', 'export'])).toMatchObject({ role: null, conflict: true });
    expect(markingOf(['function:a', 'step:b'])).toMatchObject({ role: null, conflict: true });
    expect(markingOf(['test', 'test:x'])).toMatchObject({ role: 'test', conflict: false });
  });

  it("reads nbdev's directives at the top of the code as the converter does", () => {
    expect(markingOf(['function:train'], '#| hide\nx = 1').role).toBe('skip');
    expect(markingOf([], '#| default_exp core\n#| export\ndef f(): pass').role).toBe('export');
    expect(markingOf(['function:train'], 'x = 1\n#| hide').role).toBe('function');
  });
});

describe('withRole', () => {
  it('adds the role tag after the tags of other tools', () => {
    expect(withRole(['nbval-ignore-output'], 'function', 'clean')).toEqual([
      'nbval-ignore-output',
      'function:clean'
    ]);
  });

  it('replaces the previous role in its place, so tag order survives a rename', () => {
    expect(withRole(['a', 'function:old', 'b'], 'function', 'new')).toEqual([
      'a',
      'function:new',
      'b'
    ]);
  });

  it('replaces every role tag, aliases included, so no conflict (NB106) is created', () => {
    expect(withRole(['step:x', 'export', 'keep'], 'test')).toEqual(['test', 'keep']);
  });

  it('keeps metrics and module on a function, drops metrics on other roles', () => {
    expect(withRole(['function:f', 'metrics', 'module:m'], 'function', 'g')).toEqual([
      'function:g',
      'metrics',
      'module:m'
    ]);
    expect(withRole(['function:f', 'metrics', 'module:m'], 'skip')).toEqual(['skip', 'module:m']);
  });

  it('refuses a function without a name', () => {
    expect(() => withRole([], 'function')).toThrow(/name/);
  });

  it('does not duplicate a tag already there', () => {
    expect(withRole(['parameters'], 'parameters')).toEqual(['parameters']);
  });
});

describe('withMetrics and withoutMarks', () => {
  it('toggles metrics', () => {
    expect(withMetrics(['function:f'], true)).toEqual(['function:f', 'metrics']);
    expect(withMetrics(['function:f', 'metrics'], false)).toEqual(['function:f']);
    expect(withMetrics(['function:f', 'pipeline-metrics'], true)).toEqual([
      'function:f',
      'metrics'
    ]);
  });

  it('clears only nb2pkg tags', () => {
    expect(
      withoutMarks(['nbval-skip', 'function:f', 'metrics', 'module:m', 'raises-exception'])
    ).toEqual(['nbval-skip', 'raises-exception']);
  });

  it('tells nb2pkg tags from others', () => {
    expect(['function:f', 'test', 'module:m', 'metrics'].every(isNb2pkgTag)).toBe(true);
    expect(['nbval-skip', 'functional', 'testing'].some(isNb2pkgTag)).toBe(false);
  });

  it('compares tag lists in order', () => {
    expect(sameTags(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameTags(['a', 'b'], ['b', 'a'])).toBe(false);
  });
});
