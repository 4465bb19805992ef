import {
  functionNameProblem,
  lastAssignedNames,
  lastHeading,
  snakeCase,
  suggestFunctionName
} from '../naming';

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

describe('suggestions', () => {
  it('takes the last heading of a markdown cell', () => {
    expect(lastHeading('# Intro\ntext\n## 2. Clean the data\nmore')).toBe('2. Clean the data');
    expect(lastHeading('Train\n-----\n')).toBe('Train');
    expect(lastHeading('no heading here')).toBeNull();
  });

  it('turns a heading into snake_case like the converter', () => {
    expect(snakeCase('2. Load the *raw* data!')).toBe('load_the_raw_data');
    expect(snakeCase('Step 3: FitModel on [train](x.md) split now please')).toBe(
      'fit_model_on_train_split'
    );
  });

  it('finds the names of the last top-level assignment', () => {
    expect(lastAssignedNames('a = 1\nX_train, y_train = split(df)\n  inner = 2\nx == 3')).toEqual([
      'X_train',
      'y_train'
    ]);
    expect(lastAssignedNames('print(1)')).toEqual([]);
  });

  it('prefers the heading, then the code, then "step"', () => {
    expect(suggestFunctionName('Train the model', 'model = fit()')).toBe('train_the_model');
    expect(suggestFunctionName(null, 'df = load()\nmodel = fit(df)')).toBe('make_model');
    expect(suggestFunctionName(null, 'print(1)')).toBe('step');
  });

  it('makes the suggestion acceptable and unique', () => {
    expect(suggestFunctionName('Print', '')).toBe('print_step');
    expect(suggestFunctionName('1 2 3', '')).toBe('step_1_2_3');
    expect(suggestFunctionName('Clean', '', new Set(['clean', 'clean_2']))).toBe('clean_3');
    expect(functionNameProblem(suggestFunctionName('Class', ''))).toBeNull();
  });
});
