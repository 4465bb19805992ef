import { stepGraph } from '../graph';
import { IAnalysis, ICellPlan } from '../tokens';

function step(name: string, params: [string, string][], returns: string[], mutates: string[] = []) {
  return {
    cell_id: `id-${name}`,
    number: 1,
    role: 'function',
    name,
    module: null,
    metrics: false,
    signature: `${name}()`,
    params: params.map(([p, source]) => ({ name: p, source, default: null })),
    returns,
    mutates
  } as ICellPlan;
}

describe('stepGraph', () => {
  it('links each step to the last earlier step that stored what it reads', () => {
    const analysis: IAnalysis = {
      notebook: 'nb.ipynb',
      package: 'p',
      module: 'nb',
      cells: [
        step('load', [['path', 'parameter']], ['df']),
        step('clean', [['df', 'step']], [], ['df']),
        step(
          'split',
          [
            ['df', 'step'],
            ['seed', 'parameter']
          ],
          ['train', 'test']
        ),
        step('fit', [['train', 'step']], ['model']),
        step(
          'score',
          [
            ['model', 'step'],
            ['test', 'step']
          ],
          ['accuracy']
        ),
        { ...step('skipped', [], []), role: 'skip' }
      ],
      functions: [],
      tests: [],
      parameters: [
        { name: 'path', default: "'d.csv'", annotation: null },
        { name: 'seed', default: '0', annotation: null }
      ],
      diagnostics: []
    };
    const { nodes, edges } = stepGraph(analysis);
    expect(nodes.map(n => [n.name, n.depth])).toEqual([
      ['load', 0],
      ['clean', 1],
      ['split', 2],
      ['fit', 3],
      ['score', 4]
    ]);
    expect(nodes[2].inputs).toEqual([{ name: 'df', from: 'clean' }]);
    expect(nodes[2].params).toEqual(['seed']);
    expect(nodes[1].outputs).toEqual(['df']);
    expect(edges.map(e => `${e.from}>${e.to}:${e.names.join(',')}`)).toEqual([
      'load>clean:df',
      'clean>split:df',
      'split>fit:train',
      'fit>score:model',
      'split>score:test'
    ]);
  });
});
