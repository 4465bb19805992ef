import { badgeFor, badgeTitle, PackageModel } from '../model';
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

  it('numbers its requests in the order it sends them, for the server to order them by', async () => {
    const tickets: number[] = [];
    const answers = [deferred<IAnalysis>(), deferred<IAnalysis>()];
    const model = new PackageModel({
      analyze: (_signal, ticket) => {
        tickets.push(ticket);
        return answers[tickets.length - 1].promise;
      },
      debounceMs: 0
    });
    const first = model.analyzeNow();
    const second = model.analyzeNow();
    answers[1].resolve(analysis({ package: 'second' }));
    answers[0].resolve(analysis({ package: 'first' }));
    await Promise.all([first, second]);
    expect(tickets).toEqual([1, 2]);
    expect(model.analysis?.package).toBe('second');
  });

  it('sends a newer request at once while others are out, at most three; the rest wait for an answer', async () => {
    const answers = [1, 2, 3, 4].map(() => deferred<IAnalysis>());
    let calls = 0;
    const model = new PackageModel({ analyze: () => answers[calls++].promise, debounceMs: 0 });
    const first = model.analyzeNow();
    const second = model.analyzeNow();
    const third = model.analyzeNow();
    await model.analyzeNow();
    await model.analyzeNow();
    expect(calls).toBe(3);
    expect(model.analyzing).toBe(true);
    answers[0].resolve(analysis({ package: 'first' }));
    await first;
    expect(model.analysis?.package).toBe('first');
    // the edits asked for while three were out: one more request, with the notebook as it is now
    expect(calls).toBe(4);
    answers[3].resolve(analysis({ package: 'latest' }));
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(model.analysis?.package).toBe('latest');
    // the second and third answer last: older than the one shown, they are dropped
    answers[1].resolve(analysis({ package: 'second' }));
    answers[2].resolve(analysis({ package: 'third' }));
    await Promise.all([second, third]);
    expect(model.analysis?.package).toBe('latest');
    expect(calls).toBe(4);
    expect(model.analyzing).toBe(false);
  });

  it('takes a request the server dropped for a newer one as no answer, not as a failure', async () => {
    const answers = [deferred<IAnalysis | null>(), deferred<IAnalysis | null>()];
    let calls = 0;
    const model = new PackageModel({ analyze: () => answers[calls++].promise, debounceMs: 0 });
    let changes = 0;
    model.changed.connect(() => changes++);
    const first = model.analyzeNow();
    const second = model.analyzeNow();
    answers[0].resolve(null);
    await first;
    expect(model.analysis).toBeNull();
    expect(model.analysisError).toBeNull();
    expect(model.analyzing).toBe(true);
    answers[1].resolve(analysis({ package: 'newest' }));
    await second;
    expect(model.analysis?.package).toBe('newest');
    expect(model.analysisError).toBeNull();
    expect(model.analyzing).toBe(false);
    expect(changes).toBe(2);
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

/** The placement of a one-cell plan. */
function whole(cell: ICellPlan) {
  return { plan: cell, part: 0, parts: 1 };
}

describe('badgeFor', () => {
  it("shows the plan's signature once the analysis saw the cell's current tags", () => {
    const tags = ['function:train', 'metrics'];
    const cell = plan({ metrics: true });
    expect(badgeFor(tags, tags, whole(cell), analysis(), [])).toEqual({
      role: 'function',
      text: 'train(X, y, n_estimators) -> model  · logs metrics',
      errors: 0,
      warnings: 0,
      pending: false
    });
  });

  it('shows what the build does, not what the tags seem to say: function + skip is skipped', () => {
    const tags = ['function:load', 'skip'];
    const skipped = plan({ role: 'skip', name: null, signature: '' });
    const badge = badgeFor(tags, tags, whole(skipped), analysis(), []);
    expect(badge).toMatchObject({ role: 'skip', text: '', pending: false });
  });

  it('shows no role on a cell the plan leaves unmarked', () => {
    const tags = ['nbval-skip'];
    const unmarked = plan({ role: 'exploration', name: null, signature: '' });
    expect(badgeFor(tags, tags, whole(unmarked), analysis(), [])).toBeNull();
  });

  it('shows the tags, marked pending, after a tag edit the analysis has not seen', () => {
    const badge = badgeFor(['function:fit'], ['function:train'], whole(plan({})), analysis(), []);
    expect(badge).toEqual({ role: 'function', text: 'fit', errors: 0, warnings: 0, pending: true });
    // A tag added to a cell the last analysis saw untagged (JupyterLab's tag editor).
    expect(badgeFor(['test'], [], undefined, analysis(), [])).toMatchObject({
      role: 'test',
      pending: true
    });
    expect(badgeFor([], ['test'], undefined, analysis(), [])).toBeNull();
  });

  it('says which function a continuation cell belongs to, without an ellipsis', () => {
    const tags = ['function:two'];
    const first = plan({ name: 'two', signature: 'two() -> y, z' });
    const badge = badgeFor(tags, tags, { plan: first, part: 1, parts: 2 }, analysis(), []);
    expect(badge?.text).toBe('continues two (part 2 of 2)');
    expect(badge?.text).not.toContain('…');
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
    const tags = ['parameters'];
    expect(badgeFor(tags, tags, whole(cell), a, [])?.text).toBe('n=300, path');
  });

  it("shows the test's fixtures and the export's names from the analysis", () => {
    const test = plan({ role: 'test', name: 'test_cell_4', signature: 'test_cell_4(scaled)' });
    expect(badgeFor(['test'], ['test'], whole(test), analysis(), [])?.text).toBe(
      'test_cell_4(scaled)'
    );
    const exp = plan({ role: 'export', name: null, signature: 'export: helper, Model' });
    expect(badgeFor(['export'], ['export'], whole(exp), analysis(), [])?.text).toBe(
      'helper, Model'
    );
    expect(badgeFor(['export'], undefined, undefined, null, [])).toMatchObject({
      text: '',
      pending: true
    });
  });

  it('counts problems, and shows them on unmarked cells too', () => {
    const problems = [
      diagnostic('c', 'error'),
      diagnostic('c', 'warning'),
      diagnostic('c', 'warning')
    ];
    expect(badgeFor([], [], undefined, analysis(), problems)).toEqual({
      role: 'problem',
      text: '',
      errors: 1,
      warnings: 2,
      pending: false
    });
    expect(badgeFor(['nbval-skip'], ['nbval-skip'], undefined, analysis(), [])).toBeNull();
  });

  it('has a tooltip with the whole text, which a narrow cell cuts off', () => {
    const long = 'a_very_long_function_name(' + 'argument, '.repeat(20) + 'last) -> result';
    const badge = { role: 'function', text: long, errors: 1, warnings: 0, pending: false };
    expect(badgeTitle(badge)).toBe(`function: ${long} · 1 error`);
  });
});

describe('PackageModel placements, cancellation and stale build failures', () => {
  it('finds every part of a multi-cell function, and indexes diagnostics by cell', async () => {
    const merged = plan({
      cell_id: 'b',
      name: 'two',
      parts: [
        { number: 2, cell_id: 'b' },
        { number: 3, cell_id: 'c' }
      ]
    });
    const model = new PackageModel({
      analyze: async () => analysis({ cells: [merged], diagnostics: [diagnostic('c', 'error')] }),
      debounceMs: 0
    });
    await model.analyzeNow();
    expect(model.placement('b')).toEqual({ plan: merged, part: 0, parts: 2 });
    expect(model.placement('c')).toEqual({ plan: merged, part: 1, parts: 2 });
    expect(model.cellPlan('c')).toBeUndefined();
    expect(model.diagnosticsFor('c')).toHaveLength(1);
    expect(model.diagnosticsFor('b')).toEqual([]);
  });

  it('aborts the request in flight when the notebook closes, without reporting it', async () => {
    const signals: AbortSignal[] = [];
    const model = new PackageModel({
      analyze: signal => {
        signals.push(signal);
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted')))
        );
      },
      debounceMs: 0
    });
    const running = model.analyzeNow();
    model.dispose();
    await running;
    expect(signals.map(s => s.aborted)).toEqual([true]);
    expect(model.analysisError).toBeNull();
  });

  it('clears a failed build once a later edit is analysed without errors', async () => {
    const answers = [
      analysis({ diagnostics: [diagnostic('a', 'error')] }),
      analysis({ diagnostics: [diagnostic('a', 'error')] }),
      analysis({ diagnostics: [diagnostic('a', 'warning')] })
    ];
    let call = 0;
    const model = new PackageModel({ analyze: async () => answers[call++], debounceMs: 0 });
    await model.analyzeNow();
    const failing = {
      ok: false,
      up_to_date: false,
      out_dir: '',
      package: 'demo',
      version: null,
      previous_version: null,
      bump: null,
      changes: [],
      changed_files: [],
      diagnostics: [diagnostic('a', 'error')]
    };
    await model.build(async () => failing);
    await model.analyzeNow(); // still an error: the failure stays
    expect(model.buildState.status).toBe('failed');
    await model.analyzeNow(); // fixed
    expect(model.buildState.status).toBe('idle');
  });

  it('keeps a failure that points at no cell (a refused request) when the notebook is fine', async () => {
    const model = new PackageModel({ analyze: async () => analysis(), debounceMs: 0 });
    await model.build(async () => {
      throw Object.assign(new Error('outside the root'), { diagnostics: [] });
    });
    await model.analyzeNow();
    expect(model.buildState.status).toBe('failed');
  });
});
