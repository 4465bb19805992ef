import { badgeFor, PackageModel } from '../model';
import { markingOf } from '../tagging';
import { IAnalysis, IBuildResult, ICellPlan, IDiagnostic } from '../tokens';

function analysis(overrides: Partial<IAnalysis> = {}): IAnalysis {
  return {
    notebook: 'nb.ipynb',
    package: 'demo',
    module: 'nb',
    cells: [],
    functions: [],
    tests: [],
    parameters: [],
    diagnostics: [],
    ...overrides
  };
}

function plan(overrides: Partial<ICellPlan>): ICellPlan {
  return {
    cell_id: 'c1',
    number: 1,
    role: 'function',
    name: 'train',
    module: null,
    metrics: false,
    signature: 'train(X, y, n_estimators) -> model',
    params: [],
    returns: ['model'],
    mutates: [],
    ...overrides
  };
}

function diagnostic(cellId: string, severity: 'error' | 'warning'): IDiagnostic {
  return {
    code: 'NB301',
    severity,
    message: 'm',
    location: { notebook: 'nb.ipynb', cell_number: 1, cell_id: cellId, line: 1, col: 1 },
    where: 'nb.ipynb:cell 1',
    hint: '',
    source_line: null
  };
}

/** A promise the test resolves by hand, to order server answers. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PackageModel analysis', () => {
  afterEach(() => jest.useRealTimers());

  it('debounces: a burst of edits gives one analysis after the quiet period', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const model = new PackageModel({
      analyze: async () => {
        calls++;
        return analysis();
      },
      debounceMs: 300
    });
    model.scheduleAnalysis();
    jest.advanceTimersByTime(200);
    model.scheduleAnalysis();
    jest.advanceTimersByTime(200);
    expect(calls).toBe(0);
    expect(model.analyzing).toBe(true);
    jest.advanceTimersByTime(100);
    expect(calls).toBe(1);
    model.dispose();
  });

  it('drops an answer that arrives after a newer one', async () => {
    const answers = [deferred<IAnalysis>(), deferred<IAnalysis>()];
    let call = 0;
    const model = new PackageModel({ analyze: () => answers[call++].promise, debounceMs: 0 });
    const first = model.analyzeNow();
    const second = model.analyzeNow();
    answers[1].resolve(analysis({ package: 'newer' }));
    await second;
    answers[0].resolve(analysis({ package: 'older' }));
    await first;
    expect(model.analysis?.package).toBe('newer');
    expect(model.analyzing).toBe(false);
  });

  it('keeps the last analysis and reports the failure when a request fails', async () => {
    const results: (() => Promise<IAnalysis>)[] = [
      async () => analysis({ package: 'good' }),
      async () => {
        throw new Error('server down');
      }
    ];
    let call = 0;
    const model = new PackageModel({ analyze: () => results[call++](), debounceMs: 0 });
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.analyzeNow();
    await model.analyzeNow();
    expect(model.analysis?.package).toBe('good');
    expect(model.analysisError).toBe('server down');
    expect(changes).toBe(2);
  });

  it("finds a cell's plan and diagnostics by cell id", async () => {
    const model = new PackageModel({
      analyze: async () =>
        analysis({
          cells: [plan({ cell_id: 'a' }), plan({ cell_id: 'b', name: 'other' })],
          diagnostics: [
            diagnostic('b', 'error'),
            diagnostic('b', 'warning'),
            diagnostic('a', 'warning')
          ]
        }),
      debounceMs: 0
    });
    await model.analyzeNow();
    expect(model.cellPlan('b')?.name).toBe('other');
    expect(model.cellPlan('zzz')).toBeUndefined();
    expect(model.diagnosticsFor('b').map(d => d.severity)).toEqual(['error', 'warning']);
  });

  it('stops analysing once disposed', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const model = new PackageModel({
      analyze: async () => {
        calls++;
        return analysis();
      },
      debounceMs: 10
    });
    model.scheduleAnalysis();
    model.dispose();
    jest.advanceTimersByTime(100);
    expect(calls).toBe(0);
  });
});

describe('PackageModel build', () => {
  const result: IBuildResult = {
    ok: true,
    up_to_date: false,
    out_dir: 'demo-pkg',
    package: 'demo',
    version: '0.2.0',
    previous_version: '0.1.0',
    bump: 'minor',
    changes: ['added function train'],
    changed_files: ['src/demo/nb.py'],
    diagnostics: []
  };

  it('goes building → done, and ignores a second click while building', async () => {
    const answer = deferred<IBuildResult>();
    let runs = 0;
    const model = new PackageModel({ analyze: async () => analysis(), debounceMs: 0 });
    const states: string[] = [];
    model.changed.connect(() => states.push(model.buildState.status));
    const building = model.build(() => {
      runs++;
      return answer.promise;
    });
    expect(model.buildState.status).toBe('building');
    await model.build(async () => {
      runs++;
      return result;
    });
    answer.resolve(result);
    const final = await building;
    expect(runs).toBe(1);
    expect(final).toEqual({ status: 'done', result });
    expect(states).toEqual(['building', 'done']);
  });

  it("fails with the build's diagnostics when it stops", async () => {
    const model = new PackageModel({ analyze: async () => analysis(), debounceMs: 0 });
    const failing = { ...result, ok: false, diagnostics: [diagnostic('a', 'error')] };
    const state = await model.build(async () => failing);
    expect(state.status).toBe('failed');
    expect(state.status === 'failed' && state.diagnostics[0].code).toBe('NB301');
  });

  it("fails with the request error's message and codes", async () => {
    const model = new PackageModel({ analyze: async () => analysis(), debounceMs: 0 });
    const error = Object.assign(new Error('outside the root'), {
      diagnostics: [{ ...diagnostic('a', 'error'), code: 'NB803' }]
    });
    const state = await model.build(async () => {
      throw error;
    });
    expect(state).toMatchObject({ status: 'failed', message: 'outside the root' });
  });
});

describe('badgeFor', () => {
  it('shows the signature once the analysis knows the cell under that name', () => {
    const marking = markingOf(['function:train', 'metrics']);
    expect(badgeFor(marking, plan({}), analysis(), [])).toEqual({
      role: 'function',
      text: 'train(X, y, n_estimators) -> model  · logs metrics',
      errors: 0,
      warnings: 0
    });
  });

  it('shows the new name at once after a rename, before the analysis catches up', () => {
    const badge = badgeFor(markingOf(['function:fit']), plan({ name: 'train' }), analysis(), []);
    expect(badge?.text).toBe('fit(…)');
  });

  it("lists the parameters cell's names with their defaults", () => {
    const a = analysis({
      parameters: [
        { name: 'n', default: '300', annotation: 'int' },
        { name: 'path', default: null, annotation: null },
        { name: 'data_csv', default: "'data.csv'", annotation: 'str' }
      ]
    });
    const cell = plan({ role: 'parameters', name: null, signature: 'parameters: n, path' });
    expect(badgeFor(markingOf(['parameters']), cell, a, [])?.text).toBe('n=300, path');
  });

  it("shows the test's fixtures and the export's names from the analysis", () => {
    const test = plan({ role: 'test', name: 'test_cell_4', signature: 'test_cell_4(scaled)' });
    expect(badgeFor(markingOf(['test']), test, analysis(), [])?.text).toBe('test_cell_4(scaled)');
    const exp = plan({ role: 'export', name: null, signature: 'export: helper, Model' });
    expect(badgeFor(markingOf(['export']), exp, analysis(), [])?.text).toBe('helper, Model');
    expect(badgeFor(markingOf(['export']), undefined, null, [])?.text).toBe('');
  });

  it('counts problems, and shows them on unmarked cells too', () => {
    const problems = [
      diagnostic('c', 'error'),
      diagnostic('c', 'warning'),
      diagnostic('c', 'warning')
    ];
    expect(badgeFor(markingOf([]), undefined, null, problems)).toEqual({
      role: 'problem',
      text: '',
      errors: 1,
      warnings: 2
    });
    expect(badgeFor(markingOf(['nbval-skip']), undefined, null, [])).toBeNull();
  });
});
