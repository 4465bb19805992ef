/**
 * The state of one notebook's package, as the panel and the badges show it:
 * the latest analysis (debounced, stale answers dropped), and the build.
 *
 * Widgets read it and listen to `changed`; it never touches the DOM or the
 * server itself (the caller passes the functions that do), so plain ts-jest
 * tests it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { ICellMarking } from './tagging';
import { IAnalysis, IBuildResult, ICellPlan, IDiagnostic } from './tokens';

export type BuildState =
  | { status: 'idle' }
  | { status: 'building' }
  | { status: 'done'; result: IBuildResult }
  | { status: 'failed'; message: string; diagnostics: IDiagnostic[] };

export interface IPackageModelOptions {
  /** Runs one analysis of the notebook as it is now. */
  analyze: () => Promise<IAnalysis>;
  /** Milliseconds of quiet after the last edit before analysing. */
  debounceMs: number;
}

export class PackageModel {
  constructor(options: IPackageModelOptions) {
    this._analyze = options.analyze;
    this.debounceMs = options.debounceMs;
  }

  /** Emitted after any state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get analysis(): IAnalysis | null {
    return this._analysis;
  }

  /** Why the last analysis failed (the request, not the notebook), or null. */
  get analysisError(): string | null {
    return this._analysisError;
  }

  get analyzing(): boolean {
    return this._pending > 0 || this._timer !== null;
  }

  get buildState(): BuildState {
    return this._build;
  }

  debounceMs: number;

  /** Analyse after `debounceMs` without further calls (each call restarts the wait). */
  scheduleAnalysis(): void {
    if (this._disposed) {
      return;
    }
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.analyzeNow();
    }, this.debounceMs);
  }

  /** Analyse at once. An answer that arrives after a newer request's is dropped. */
  async analyzeNow(): Promise<void> {
    const ticket = ++this._requested;
    this._pending++;
    try {
      const analysis = await this._analyze();
      if (ticket > this._answered && !this._disposed) {
        this._answered = ticket;
        this._analysis = analysis;
        this._analysisError = null;
      }
    } catch (error) {
      if (ticket > this._answered && !this._disposed) {
        this._answered = ticket;
        this._analysisError = error instanceof Error ? error.message : String(error);
      }
    } finally {
      this._pending--;
      this._emit();
    }
  }

  /** The plan of one cell, by its nbformat id. */
  cellPlan(cellId: string): ICellPlan | undefined {
    return this._analysis?.cells.find(cell => cell.cell_id === cellId);
  }

  /** The diagnostics that point at one cell. */
  diagnosticsFor(cellId: string): IDiagnostic[] {
    return (this._analysis?.diagnostics ?? []).filter(d => d.location?.cell_id === cellId);
  }

  /** Run a build; the state goes building → done | failed. A second click while building is ignored. */
  async build(run: () => Promise<IBuildResult>): Promise<BuildState> {
    if (this._build.status === 'building') {
      return this._build;
    }
    this._build = { status: 'building' };
    this._emit();
    try {
      const result = await run();
      this._build = result.ok
        ? { status: 'done', result }
        : {
            status: 'failed',
            message: 'the build stopped; nothing was written',
            diagnostics: result.diagnostics
          };
    } catch (error) {
      const diagnostics = (error as { diagnostics?: IDiagnostic[] }).diagnostics ?? [];
      this._build = {
        status: 'failed',
        message: error instanceof Error ? error.message : String(error),
        diagnostics
      };
    }
    this._emit();
    return this._build;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._disposed = true;
    Signal.clearData(this);
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _analyze: () => Promise<IAnalysis>;
  private _analysis: IAnalysis | null = null;
  private _analysisError: string | null = null;
  private _build: BuildState = { status: 'idle' };
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _requested = 0;
  private _answered = 0;
  private _pending = 0;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/** A badge: the role word and the text after it. */
export interface IBadge {
  role: string;
  text: string;
  /** Number of error diagnostics on the cell. */
  errors: number;
  warnings: number;
}

/**
 * What the badge of a cell says: its role from the tags (known at once), the
 * signature from the analysis once it has the cell, e.g.
 * `function · train(X_train, y_train, n_estimators) -> model`.
 */
export function badgeFor(
  marking: ICellMarking,
  plan: ICellPlan | undefined,
  analysis: IAnalysis | null,
  diagnostics: readonly IDiagnostic[]
): IBadge | null {
  const errors = diagnostics.filter(d => d.severity === 'error').length;
  const warnings = diagnostics.filter(d => d.severity === 'warning').length;
  if (marking.role === null) {
    return errors || warnings ? { role: 'problem', text: '', errors, warnings } : null;
  }
  let text = '';
  switch (marking.role) {
    case 'function': {
      const current = plan && plan.role === 'function' && plan.name === marking.name;
      text = current && plan.signature ? plan.signature : `${marking.name ?? ''}(…)`;
      if (marking.metrics) {
        text += '  · logs metrics';
      }
      break;
    }
    case 'test':
      text = plan?.role === 'test' && plan.signature ? plan.signature : (marking.name ?? '');
      break;
    case 'parameters': {
      const names = plan?.role === 'parameters' ? withoutPrefix(plan.signature, 'parameters') : '';
      const defaults = new Map((analysis?.parameters ?? []).map(p => [p.name, p.default]));
      text = names
        .split(',')
        .map(name => name.trim())
        .filter(name => name)
        .map(name => (defaults.get(name) ? `${name}=${defaults.get(name)}` : name))
        .join(', ');
      break;
    }
    case 'export':
      text = plan?.role === 'export' ? withoutPrefix(plan.signature, 'export') : '';
      break;
    default:
      text = '';
  }
  if (marking.module) {
    text += `  · module ${marking.module}`;
  }
  return { role: marking.role, text: text.trim(), errors, warnings };
}

/** `"parameters: a, b"` → `"a, b"` (the badge shows the role word itself). */
function withoutPrefix(signature: string | null, role: string): string {
  const text = signature ?? '';
  return text.startsWith(`${role}:`) ? text.slice(role.length + 1).trim() : text;
}
