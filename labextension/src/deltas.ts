/**
 * Analyze requests as deltas: once the server answered a request of this panel, the next one
 * names the cells unchanged since then by their id and sends only the others. On a notebook
 * of thousands of cells the body shrinks from megabytes to the edit, which is what the server
 * spends most of a badge refresh reading (nb2pkg/frontends/server/notebook_deltas.py).
 *
 * The server holds what it analysed for the panel's last few requests; when it does not hold
 * the base a delta names (it restarted, another worker answered), it refuses it (409, NB815)
 * and the same edit goes again at once as the whole notebook: the user sees no error.
 */

/** The code of a delta refused because the server does not hold its base. */
export const UNKNOWN_BASE = 'NB815';

/** A notebook as an analyze body carries it (outputs removed). */
export interface INotebookJSON {
  nbformat: number;
  nbformat_minor: number;
  metadata: unknown;
  cells: { [key: string]: unknown }[];
}

/** The `delta` of an analyze body: unchanged cells by id, the others in full. */
export interface INotebookDelta {
  base: number;
  metadata: unknown;
  nbformat: number;
  nbformat_minor: number;
  cells: (string | { [key: string]: unknown })[];
}

/** What a request sent of each cell, by id: its JSON text. */
export type SentCells = Map<string, string>;

/**
 * Each cell's JSON text by its id; null when a cell has no id or shares it with another
 * (then the server could not tell them apart: the notebook goes in full).
 */
export function sentCells(notebook: INotebookJSON): SentCells | null {
  const sent: SentCells = new Map();
  for (const cell of notebook.cells) {
    const id = cell.id;
    if (typeof id !== 'string' || id === '' || sent.has(id)) {
      return null;
    }
    sent.set(id, JSON.stringify(cell));
  }
  return sent;
}

/** `notebook` (whose cells are `cells`) as a delta against request `base`, which sent `before`. */
export function deltaOf(
  notebook: INotebookJSON,
  cells: SentCells,
  base: number,
  before: SentCells
): INotebookDelta {
  return {
    base,
    metadata: notebook.metadata,
    nbformat: notebook.nbformat,
    nbformat_minor: notebook.nbformat_minor,
    cells: notebook.cells.map(cell => {
      const id = cell.id as string;
      return before.get(id) === cells.get(id) ? id : cell;
    })
  };
}

/** An analyze body as sent: the path first, `seq` and `client` last (the server reads them). */
export interface IAnalyzeRequest {
  path: string;
  notebook?: object;
  delta?: INotebookDelta;
  package?: string;
  seq: number;
  client: string;
}

/** Whether `error` is the server's refusal of a delta whose base it does not hold. */
export function isUnknownBase(error: unknown): boolean {
  const refusal = error as { status?: unknown; code?: unknown } | null;
  return (
    typeof refusal === 'object' &&
    refusal !== null &&
    refusal.status === 409 &&
    refusal.code === UNKNOWN_BASE
  );
}

/**
 * The analyze requests of one panel (`client`): each sent as a delta against the newest
 * request the server answered when it can be, else the notebook in full.
 */
export class AnalyzeDeltas<T> {
  constructor(
    readonly client: string,
    private _send: (request: IAnalyzeRequest, signal?: AbortSignal) => Promise<T>
  ) {}

  /** The answer to request `seq` for `notebook` (of the notebook at `path`). */
  async analyze(
    path: string,
    notebook: INotebookJSON,
    seq: number,
    packageName?: string,
    signal?: AbortSignal
  ): Promise<T> {
    const cells = sentCells(notebook);
    const base = this._base;
    if (cells !== null && base !== null) {
      const delta = deltaOf(notebook, cells, base.seq, base.cells);
      try {
        return this._answered(
          await this._send(this._request(path, { delta }, seq, packageName), signal),
          seq,
          cells
        );
      } catch (error) {
        if (!isUnknownBase(error)) {
          throw error;
        }
        if (this._base === base) {
          this._base = null; // the server does not hold it: from the next answer on
        }
      }
    }
    const answer = await this._send(this._request(path, { notebook }, seq, packageName), signal);
    return this._answered(answer, seq, cells);
  }

  /** The request the server answered last whose cells are known (null: send in full). */
  get base(): { seq: number; cells: SentCells } | null {
    return this._base;
  }

  private _request(
    path: string,
    content: { notebook: object } | { delta: INotebookDelta },
    seq: number,
    packageName?: string
  ): IAnalyzeRequest {
    const named = packageName ? { package: packageName } : {};
    // the path first, `seq` and `client` last: the server reads them without parsing the rest
    return { path, ...content, ...named, seq, client: this.client };
  }

  private _answered(answer: T, seq: number, cells: SentCells | null): T {
    if (cells !== null && (this._base === null || seq > this._base.seq)) {
      this._base = { seq, cells };
    }
    return answer;
  }

  private _base: { seq: number; cells: SentCells } | null = null;
}
