/**
 * A pipeline run started from the panel (POST /nb2pkg/run): its state, followed by polling
 * /nb2pkg/run/status until it ends, and its cancel. The server runs the pipeline in a
 * subprocess; this model only asks. No @jupyterlab import: plain ts-jest tests it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IRunState, ITrackedRun } from './tokens';

export interface IRunModelOptions {
  start: () => Promise<IRunState>;
  status: (id: string) => Promise<IRunState>;
  cancel: (id: string) => Promise<IRunState>;
  /** Milliseconds between two status requests while the run goes on. */
  pollMs: number;
}

export class PipelineRunModel {
  constructor(private _options: IRunModelOptions) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The last run's state, or null before the first run. */
  get state(): IRunState | null {
    return this._state;
  }

  /** Why the last request about the run failed (not the run itself), or null. */
  get requestError(): string | null {
    return this._requestError;
  }

  get running(): boolean {
    return this._starting || this._state?.status === 'running';
  }

  /** Start a run; ignored while one is going. Resolves when the run has ended. */
  async start(): Promise<IRunState | null> {
    if (this.running || this._disposed) {
      return this._state;
    }
    this._starting = true;
    this._requestError = null;
    this._emit();
    try {
      this._state = await this._options.start();
    } catch (error) {
      this._requestError = error instanceof Error ? error.message : String(error);
    } finally {
      this._starting = false;
      this._emit();
    }
    while (this._state?.status === 'running' && !this._disposed) {
      await new Promise(resolve => setTimeout(resolve, this._options.pollMs));
      await this._ask(id => this._options.status(id));
    }
    return this._state;
  }

  /** Stop the run going on (the server stops its processes). */
  async cancel(): Promise<void> {
    if (this._state?.status === 'running') {
      await this._ask(id => this._options.cancel(id));
    }
  }

  dispose(): void {
    this._disposed = true;
    Signal.clearData(this);
  }

  private async _ask(request: (id: string) => Promise<IRunState>): Promise<void> {
    const current = this._state;
    if (!current || this._disposed) {
      return;
    }
    try {
      const state = await request(current.id);
      // A status that left before a cancel's answer must not bring "running" back.
      if (this._state?.status === 'running' || state.status !== 'running') {
        this._state = state;
      }
      this._requestError = null;
    } catch (error) {
      this._requestError = error instanceof Error ? error.message : String(error);
      this._state = { ...current, status: 'lost' };
    }
    this._emit();
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _state: IRunState | null = null;
  private _requestError: string | null = null;
  private _starting = false;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/** "2 of 3 steps done" and the like, for the panel's status line. */
export function runSummary(state: IRunState): string {
  const done = state.steps.filter(s => s.status === 'done').length;
  const total = state.steps.length;
  const seconds = `${state.seconds.toFixed(1)} s`;
  switch (state.status) {
    case 'running': {
      const current = state.steps.find(s => s.status === 'running');
      return (
        `Running ${state.package}: ${done} of ${total} steps done` +
        (current ? `, now ${current.name}` : '')
      );
    }
    case 'done':
      return `Run of ${state.package} done in ${seconds} (${total} steps)`;
    case 'failed':
      return (
        `Run of ${state.package} failed after ${seconds}` +
        (state.error?.step ? ` in step ${state.error.step}` : '')
      );
    case 'cancelled':
      return `Run of ${state.package} cancelled after ${seconds} (${done} of ${total} steps done)`;
    case 'refused':
      return 'Nothing to run yet';
    default:
      return 'The server no longer knows this run (was it restarted?)';
  }
}

/** One row of the side-by-side view of two tracked runs. */
export interface IComparisonRow {
  kind: 'version' | 'status' | 'duration' | 'param' | 'metric';
  name: string;
  left: string;
  right: string;
  differs: boolean;
}

/** Two runs side by side: version, status, duration, then every param and metric of either. */
export function compareRuns(left: ITrackedRun, right: ITrackedRun): IComparisonRow[] {
  const row = (kind: IComparisonRow['kind'], name: string, a: string, b: string) => ({
    kind,
    name,
    left: a,
    right: b,
    differs: a !== b
  });
  const seconds = (run: ITrackedRun) => (run.seconds === null ? '' : `${run.seconds.toFixed(1)} s`);
  const rows = [
    row('version', 'version', left.version ?? '', right.version ?? ''),
    row('status', 'status', left.status, right.status),
    row('duration', 'duration', seconds(left), seconds(right))
  ];
  const names = (a: object, b: object) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const name of names(left.params, right.params)) {
    rows.push(row('param', name, left.params[name] ?? '', right.params[name] ?? ''));
  }
  for (const name of names(left.metrics, right.metrics)) {
    const text = (value: number | undefined) => (value === undefined ? '' : String(value));
    rows.push(row('metric', name, text(left.metrics[name]), text(right.metrics[name])));
  }
  return rows;
}
