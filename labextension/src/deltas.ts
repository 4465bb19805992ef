/**
 * Analyze requests as deltas: once the server answered a request of this panel, the next one
 * names the cells unchanged since then by their id and sends only the others. On a notebook
 * of thousands of cells the body shrinks from megabytes to the edit, which is what the server
 * spends most of a badge refresh reading (nb2pkg/frontends/server/notebook_deltas.py).
 *
 * The server holds what it analysed for the panel's last few requests; when it does not hold
 * the base a delta names (it restarted, another worker answered), it refuses it (409, NB815)
 * and the same edit goes again at once as the whole notebook: the user sees no error.
 *
 * A delta asks for its answer as a delta too (`answer_delta`): the server then names the cell
 * and function summaries its base's answer had by place, `[start, count]`, and sends only the
 * others (nb2pkg/frontends/server/answer_deltas.py); `putInPlace` gives the whole answer back.
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
  /** Whether the answer may come as a delta against the base's answer. */
  answer_delta?: boolean;
}

/** The member of an answer sent as a delta: the request whose answer it builds on. */
export const ANSWER_BASE = 'answer_base';

/** The lists of an analyze answer a delta answer sends as runs of its base's items. */
const ANSWER_LISTS = new Set(['cells', 'functions']);

/** Answers held to put delta answers in place: the server holds as many requests a panel. */
const HELD_ANSWERS = 4;

type JSONObject = { [key: string]: unknown };

/** The request a delta answer builds on (null: the answer is whole). */
export function answerBase(answer: unknown): number | null {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    return null;
  }
  const base = (answer as JSONObject)[ANSWER_BASE];
  return typeof base === 'number' ? base : null;
}

/**
 * The whole answer a delta answer stands for, from the answer of its base: in its lists, each
 * `[start, count]` is the `count` items of the base's list from `start` on (null when the
 * base has no such items).
 */
export function putInPlace(answer: JSONObject, base: JSONObject): JSONObject | null {
  const whole: JSONObject = {};
  for (const [key, value] of Object.entries(answer)) {
    if (key === ANSWER_BASE) {
      continue;
    }
    if (!ANSWER_LISTS.has(key)) {
      whole[key] = value;
      continue;
    }
    const before = base[key];
    if (!Array.isArray(value) || !Array.isArray(before)) {
      return null;
    }
    const items: unknown[] = [];
    for (const item of value) {
      if (!Array.isArray(item)) {
        items.push(item);
        continue;
      }
      const [start, count] = item as [number, number];
      if (!(start >= 0 && count >= 0 && start + count <= before.length)) {
        return null;
      }
      for (let index = start; index < start + count; index++) {
        items.push(before[index]);
      }
    }
    whole[key] = items;
  }
  return whole;
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
      const delta = { ...deltaOf(notebook, cells, base.seq, base.cells), answer_delta: true };
      let answer: T | null = null;
      try {
        answer = this._whole(
          await this._send(this._request(path, { delta }, seq, packageName), signal)
        );
      } catch (error) {
        if (!isUnknownBase(error)) {
          throw error;
        }
      }
      if (answer !== null) {
        return this._answered(answer, seq, cells);
      }
      if (this._base === base) {
        this._base = null; // the server does not hold it: from the next answer on
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

  /** A delta answer put in place from the answer it builds on; null when that is not held. */
  private _whole(answer: T): T | null {
    const base = answerBase(answer);
    if (base === null) {
      return answer;
    }
    const held = this._answers.get(base);
    return held === undefined
      ? null
      : (putInPlace(answer as JSONObject, held as JSONObject) as T | null);
  }

  private _answered(answer: T, seq: number, cells: SentCells | null): T {
    if (cells !== null && (this._base === null || seq > this._base.seq)) {
      this._base = { seq, cells };
    }
    this._answers.set(seq, answer);
    for (const held of this._answers.keys()) {
      if (this._answers.size <= HELD_ANSWERS) {
        break;
      }
      this._answers.delete(held);
    }
    return answer;
  }

  /** The last answers, by the number of their request (the oldest first). */
  private _answers = new Map<number, T>();

  private _base: { seq: number; cells: SentCells } | null = null;
}
