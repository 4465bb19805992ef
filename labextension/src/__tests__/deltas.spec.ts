import {
  AnalyzeDeltas,
  ANSWER_BASE,
  deltaOf,
  IAnalyzeRequest,
  INotebookJSON,
  putInPlace,
  sentCells,
  UNKNOWN_BASE
} from '../deltas';

function cell(id: string, source: string): { [key: string]: unknown } {
  return { cell_type: 'code', id, metadata: {}, source, outputs: [], execution_count: null };
}

function notebook(...cells: { [key: string]: unknown }[]): INotebookJSON {
  return { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3' } }, cells };
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string
  ) {
    super(code);
  }
}

/**
 * A server as nb2pkg's analysis worker holds notebooks: what it analysed per request number,
 * rebuilding a delta from the cells of its base (refused 409 NB815 when it has no such base),
 * and answering with the notebook it analysed (as JSON text, the way the body is sent).
 */
class HoldingServer {
  held = new Map<number, Map<string, unknown>>();
  requests: IAnalyzeRequest[] = [];
  bodies: string[] = [];

  async send(request: IAnalyzeRequest): Promise<string> {
    this.requests.push(request);
    this.bodies.push(JSON.stringify(request));
    let analysed: INotebookJSON;
    if (request.delta) {
      const base = this.held.get(request.delta.base);
      const cells = request.delta.cells.map(c => (typeof c === 'string' ? base?.get(c) : c));
      if (!base || cells.some(c => c === undefined)) {
        throw new Refusal(409, UNKNOWN_BASE);
      }
      const { metadata, nbformat, nbformat_minor } = request.delta;
      analysed = { nbformat, nbformat_minor, metadata, cells } as INotebookJSON;
    } else {
      analysed = request.notebook as INotebookJSON;
    }
    this.held.set(request.seq, new Map(analysed.cells.map(c => [c.id as string, c])));
    return JSON.stringify(analysed);
  }
}

describe('sentCells', () => {
  it('keeps each cell as JSON by its id', () => {
    const sent = sentCells(notebook(cell('a', 'x = 1'), cell('b', 'y = x')));
    expect(sent?.get('b')).toBe(JSON.stringify(cell('b', 'y = x')));
  });

  it('gives up on a cell without an id or an id two cells share', () => {
    expect(sentCells(notebook(cell('a', ''), cell('a', 'x')))).toBeNull();
    expect(sentCells(notebook({ cell_type: 'code', source: '' }))).toBeNull();
  });
});

describe('deltaOf', () => {
  it('names the unchanged cells by id and sends the others, in the notebook order', () => {
    const before = notebook(cell('a', 'x = 1'), cell('b', 'y = x'), cell('c', 'z = y'));
    const after = notebook(cell('c', 'z = y'), cell('b', 'y = 2 * x'), cell('d', 'w = 1'));
    const delta = deltaOf(after, sentCells(after)!, 4, sentCells(before)!);
    expect(delta).toEqual({
      base: 4,
      metadata: after.metadata,
      nbformat: 4,
      nbformat_minor: 5,
      cells: ['c', cell('b', 'y = 2 * x'), cell('d', 'w = 1')]
    });
  });
});

describe('AnalyzeDeltas', () => {
  const edits = [
    notebook(cell('a', 'x = 1'), cell('b', 'y = x')),
    notebook(cell('a', 'x = 2'), cell('b', 'y = x')),
    notebook(cell('a', 'x = 2'), cell('b', 'y = x'), cell('c', 'z = y')),
    notebook(cell('c', 'z = y'), cell('a', 'x = 2')),
    notebook(cell('c', 'z = y'))
  ];

  it('sends the whole notebook first, then deltas the server rebuilds exactly', async () => {
    const server = new HoldingServer();
    const requests = new AnalyzeDeltas('panel', r => server.send(r));
    for (const [i, edit] of edits.entries()) {
      const answer = await requests.analyze('nb.ipynb', edit, i + 1, 'demo');
      expect(answer).toBe(JSON.stringify(edit));
    }
    expect(server.requests.map(r => (r.delta ? 'delta' : 'notebook'))).toEqual([
      'notebook',
      'delta',
      'delta',
      'delta',
      'delta'
    ]);
    expect(server.requests[2].delta?.cells).toEqual(['a', 'b', cell('c', 'z = y')]);
    // the path first, then the content and package, seq and client last
    for (const body of server.bodies) {
      expect(Object.keys(JSON.parse(body))).toEqual([
        'path',
        body.includes('"delta"') ? 'delta' : 'notebook',
        'package',
        'seq',
        'client'
      ]);
    }
  });

  it('sends the same edit in full at once when the server does not hold the base', async () => {
    const server = new HoldingServer();
    const requests = new AnalyzeDeltas('panel', r => server.send(r));
    await requests.analyze('nb.ipynb', edits[0], 1);
    server.held.clear(); // the server restarted
    const answer = await requests.analyze('nb.ipynb', edits[1], 2);
    expect(answer).toBe(JSON.stringify(edits[1]));
    expect(server.requests.slice(1).map(r => [r.seq, r.delta ? 'delta' : 'notebook'])).toEqual([
      [2, 'delta'],
      [2, 'notebook']
    ]);
    // and the next edit is a delta against the request answered in full
    await requests.analyze('nb.ipynb', edits[2], 3);
    expect(server.requests[3].delta?.base).toBe(2);
  });

  it('passes other refusals on and keeps its base', async () => {
    const server = new HoldingServer();
    let refuse: Refusal | null = null;
    const requests = new AnalyzeDeltas('panel', r =>
      refuse ? Promise.reject(refuse) : server.send(r)
    );
    await requests.analyze('nb.ipynb', edits[0], 1);
    refuse = new Refusal(409, 'NB813');
    await expect(requests.analyze('nb.ipynb', edits[1], 2)).rejects.toBe(refuse);
    refuse = null;
    await requests.analyze('nb.ipynb', edits[1], 3);
    expect(server.requests[1].delta?.base).toBe(1);
  });

  it('builds on the newest answered request when answers come out of order', async () => {
    const server = new HoldingServer();
    const requests = new AnalyzeDeltas('panel', r => server.send(r));
    await requests.analyze('nb.ipynb', edits[0], 5);
    await requests.analyze('nb.ipynb', edits[1], 3); // an older request answered later
    expect(requests.base?.seq).toBe(5);
  });

  it('sends notebooks whose cell ids are not unique in full', async () => {
    const server = new HoldingServer();
    const requests = new AnalyzeDeltas('panel', r => server.send(r));
    const twins = notebook(cell('a', 'x = 1'), cell('a', 'y = 1'));
    await requests.analyze('nb.ipynb', edits[0], 1);
    await requests.analyze('nb.ipynb', twins, 2);
    expect(server.requests[1].notebook).toBe(twins);
  });
});

type Answer = { [key: string]: unknown };

/**
 * A server that answers, as nb2pkg's does, a summary per cell, and a delta that asks for it
 * with each summary its base's answer had at some place as `[start, 1]`.
 */
class AnsweringServer extends HoldingServer {
  answers = new Map<number, Answer>();
  /** Answers a delta naming this request instead of its base (a base the client lacks). */
  wrongBase: number | null = null;

  async answer(request: IAnalyzeRequest): Promise<Answer> {
    const analysed = JSON.parse(await this.send(request)) as INotebookJSON;
    const whole = {
      notebook: request.path,
      cells: analysed.cells.map(c => ({ id: c.id, source: c.source })),
      functions: [{ name: 'step' }],
      tests: []
    };
    this.answers.set(request.seq, whole);
    const base = request.delta?.answer_delta ? this.answers.get(request.delta.base) : undefined;
    if (!base || !request.delta) {
      return whole;
    }
    const before = (base.cells as Answer[]).map(c => JSON.stringify(c));
    return {
      [ANSWER_BASE]: this.wrongBase ?? request.delta.base,
      notebook: whole.notebook,
      cells: whole.cells.map(c => {
        const at = before.indexOf(JSON.stringify(c));
        return at < 0 ? c : [at, 1];
      }),
      functions: [[0, 1]],
      tests: []
    };
  }
}

describe('answers as deltas', () => {
  const edits = [
    notebook(cell('a', 'x = 1'), cell('b', 'y = x'), cell('c', 'z = y')),
    notebook(cell('a', 'x = 2'), cell('b', 'y = x'), cell('c', 'z = y')),
    notebook(cell('c', 'z = y'), cell('a', 'x = 2'))
  ];

  it('asks for them and puts each back in place as the whole answer', async () => {
    const server = new AnsweringServer();
    const requests = new AnalyzeDeltas<Answer>('panel', r => server.answer(r));
    for (const [i, edit] of edits.entries()) {
      const answer = await requests.analyze('nb.ipynb', edit, i + 1);
      expect(answer).toEqual(server.answers.get(i + 1));
      expect(Object.keys(answer)).toEqual(['notebook', 'cells', 'functions', 'tests']);
    }
    expect(server.requests.map(r => r.delta?.answer_delta)).toEqual([undefined, true, true]);
  });

  it('sends the edit in full when an answer builds on one it does not hold', async () => {
    const server = new AnsweringServer();
    const requests = new AnalyzeDeltas<Answer>('panel', r => server.answer(r));
    await requests.analyze('nb.ipynb', edits[0], 1);
    server.wrongBase = 99;
    const answer = await requests.analyze('nb.ipynb', edits[1], 2);
    expect(answer).toEqual(server.answers.get(2));
    expect(server.requests.map(r => (r.delta ? 'delta' : 'notebook'))).toEqual([
      'notebook',
      'delta',
      'notebook'
    ]);
  });

  it('refuses runs outside the base list', () => {
    const base = { cells: [{ id: 'a' }], functions: [] };
    expect(putInPlace({ cells: [[0, 2]], functions: [] }, base)).toBeNull();
    expect(putInPlace({ cells: [{ id: 'b' }, [0, 1]], functions: [] }, base)).toEqual({
      cells: [{ id: 'b' }, { id: 'a' }],
      functions: []
    });
  });
});
