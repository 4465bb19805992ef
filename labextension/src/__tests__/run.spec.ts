import { compareRuns, PipelineRunModel, runSummary } from '../run';
import { IRunState, ITrackedRun } from '../tokens';

function state(overrides: Partial<IRunState> = {}): IRunState {
  return {
    id: 'r1',
    package: 'scaler',
    out_dir: 'scaler-pkg',
    status: 'running',
    steps: [
      { name: 'load', cell_id: 'load', status: 'done', seconds: 0.5 },
      { name: 'scale', cell_id: 'scale', status: 'running' }
    ],
    outputs: {},
    metrics: {},
    error: null,
    log: [],
    seconds: 1.25,
    ...overrides
  };
}

describe('PipelineRunModel', () => {
  it('polls the status until the run ends, and ignores a second start meanwhile', async () => {
    const answers = [state(), state({ status: 'done', outputs: { scaled: '[2, 4]' } })];
    let starts = 0;
    const asked: string[] = [];
    const model = new PipelineRunModel({
      start: async () => {
        starts++;
        return state();
      },
      status: async id => {
        asked.push(id);
        return answers.shift()!;
      },
      cancel: async () => state({ status: 'cancelled' }),
      pollMs: 1
    });
    const run = model.start();
    expect(model.running).toBe(true);
    await model.start();
    const final = await run;
    expect(starts).toBe(1);
    expect(asked).toEqual(['r1', 'r1']);
    expect(final?.status).toBe('done');
    expect(model.running).toBe(false);
  });

  it('cancels the run going on; a late "running" status does not undo it', async () => {
    let release!: () => void;
    const late = new Promise<void>(resolve => (release = resolve));
    const model = new PipelineRunModel({
      start: async () => state(),
      status: async () => {
        await late;
        return state();
      },
      cancel: async () => state({ status: 'cancelled' }),
      pollMs: 1
    });
    const run = model.start();
    await new Promise(resolve => setTimeout(resolve, 10));
    await model.cancel();
    expect(model.state?.status).toBe('cancelled');
    release();
    await run;
    expect(model.state?.status).toBe('cancelled');
  });

  it('reports a failed request without losing the last state', async () => {
    const model = new PipelineRunModel({
      start: async () => {
        throw new Error('server down');
      },
      status: async () => state(),
      cancel: async () => state(),
      pollMs: 1
    });
    await model.start();
    expect(model.requestError).toBe('server down');
    expect(model.state).toBeNull();
    expect(model.running).toBe(false);
  });
});

describe('runSummary', () => {
  it('says where the run is, how it ended and where it failed', () => {
    expect(runSummary(state())).toBe('Running scaler: 1 of 2 steps done, now scale');
    expect(runSummary(state({ status: 'done' }))).toBe('Run of scaler done in 1.3 s (2 steps)');
    const error = { step: 'scale', cell_id: 'scale', message: 'ZeroDivisionError' };
    expect(runSummary(state({ status: 'failed', error }))).toBe(
      'Run of scaler failed after 1.3 s in step scale'
    );
  });
});

describe('compareRuns', () => {
  it('lines up version, status, duration, and every param and metric of either run', () => {
    const run = (overrides: Partial<ITrackedRun>): ITrackedRun => ({
      id: 'a',
      name: 'a',
      status: 'FINISHED',
      version: '0.1.0',
      start_time: 0,
      seconds: 2,
      params: { factor: '2' },
      metrics: { total: 12 },
      failed_step: null,
      ...overrides
    });
    const rows = compareRuns(
      run({}),
      run({ id: 'b', version: '0.2.0', params: { factor: '2', n: '5' }, metrics: {} })
    );
    expect(rows.map(r => [r.name, r.left, r.right, r.differs])).toEqual([
      ['version', '0.1.0', '0.2.0', true],
      ['status', 'FINISHED', 'FINISHED', false],
      ['duration', '2.0 s', '2.0 s', false],
      ['factor', '2', '2', false],
      ['n', '', '5', true],
      ['total', '12', '', true]
    ]);
  });
});
