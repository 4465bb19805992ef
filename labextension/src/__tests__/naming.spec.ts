import { functionNameProblem } from '../naming';

describe('functionNameProblem', () => {
  it('accepts identifiers, unicode ones too', () => {
    expect(functionNameProblem('clean_data')).toBeNull();
    expect(functionNameProblem('données')).toBeNull();
    expect(functionNameProblem('_private2')).toBeNull();
  });

  it.each([
    ['2fast', 'NB101'],
    ['load data', 'NB101'],
    ['', 'NB101'],
    ['class', 'NB102'],
    ['lambda', 'NB102'],
    ['list', 'NB103'],
    ['print', 'NB103'],
    ['run', 'NB103'],
    ['pipeline', 'NB103']
  ])('refuses %j with %s', (name, code) => {
    expect(functionNameProblem(name)?.code).toBe(code);
  });

  it('hints at a valid name', () => {
    expect(functionNameProblem('Load Data!')?.hint).toContain('load_data');
    expect(functionNameProblem('class')?.hint).toContain('class_step');
  });
});
