/**
 * The state of one notebook's package, as the panel and the badges show it:
 * the latest analysis (debounced, stale answers dropped), and the build.
 *
 * Widgets read it and listen to `changed`; it never touches the DOM or the
 * server itself (the caller passes the functions that do), so plain ts-jest
 * tests it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { markingOf, sameTags } from './tagging';
import { IAnalysis, IBuildResult, ICellPlan, IDiagnostic } from './tokens';

/**
 * Analyze requests of one notebook out at once: the one the server works on, one waiting for
 * its turn there, and the newest, whose arrival makes the server drop the waiting one (it
 * answers at once). With only two out, an edit made while one request runs and one waits
 * would be held until the first is answered, and then wait again for the second to run.
 */
export const MAX_IN_FLIGHT = 3;

export type BuildState =
  | { status: 'idle' }
  | { status: 'building' }
  | { status: 'done'; result: IBuildResult }
  | { status: 'failed'; message: string; diagnostics: IDiagnostic[] };

export interface IPackageModelOptions {
  /**
   * Runs one analysis of the notebook as it is now; `signal` aborts it when the notebook
   * closes; `ticket` numbers the analyses in the order they are asked for. Resolves to null
   * when the server dropped the request because a newer one of the same notebook replaced it
   * (its answer follows).
   */
  analyze: (signal: AbortSignal, ticket: number) => Promise<IAnalysis | null>;
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
    return this._inflight.size > 0 || this._timer !== null || this._again;
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

  /**
   * Analyse at once. The request goes out at once even while an earlier one is on its way
   * (at most MAX_IN_FLIGHT at a time): the server analyses one request at a time, and drops
   * an earlier one of the same notebook that has not started yet (it answers null here), so
   * the newest edit never waits for a round trip of an older one. Asked while MAX_IN_FLIGHT
   * are out, the analysis runs again as soon as one answers (with the notebook as it is
   * then). An answer older than the one shown is dropped.
   */
  async analyzeNow(): Promise<void> {
    if (this._disposed) {
      return;
    }
    if (this._inflight.size >= MAX_IN_FLIGHT) {
      this._again = true;
      return;
    }
    const ticket = ++this._requested;
    const controller = new AbortController();
    this._inflight.add(controller);
    try {
      const analysis = await this._analyze(controller.signal, ticket);
      if (analysis !== null && ticket > this._answered && !this._disposed) {
        this._answered = ticket;
        this._setAnalysis(analysis, ticket);
        this._analysisError = null;
      }
    } catch (error) {
      if (ticket > this._answered && !this._disposed && !controller.signal.aborted) {
        this._answered = ticket;
        this._analysisError = error instanceof Error ? error.message : String(error);
      }
    } finally {
      this._inflight.delete(controller);
      if (this._again && !this._disposed) {
        this._again = false;
        void this.analyzeNow();
      }
      this._emit();
    }
  }

  /** The plan of one cell, by its nbformat id (the first cell of a multi-cell function). */
  cellPlan(cellId: string): ICellPlan | undefined {
    const placement = this._placements.get(cellId);
    return placement && placement.part === 0 ? placement.plan : undefined;
  }

  /** Where a cell sits in the plan: its own, or one part of a multi-cell function. */
  placement(cellId: string): ICellPlacement | undefined {
    return this._placements.get(cellId);
  }

  /** The tags of the cell as the last analysis saw them; undefined when it did not see the cell. */
  seenTags(cellId: string): readonly string[] | undefined {
    return this._analysis?.seen_tags?.[cellId];
  }

  /** The diagnostics that point at one cell. */
  diagnosticsFor(cellId: string): IDiagnostic[] {
    return this._diagnostics.get(cellId) ?? [];
  }

  /**
   * Run a build; the state goes building → done | failed. A second click while building is
   * ignored. A failure that pointed at cells is cleared by the first analysis of a later
   * edit that finds no error: the box would otherwise report errors already fixed.
   */
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
    this._buildEndedAt = this._requested;
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
    this._inflight.forEach(controller => controller.abort());
    this._disposed = true;
    Signal.clearData(this);
  }

  private _setAnalysis(analysis: IAnalysis, ticket: number): void {
    this._analysis = analysis;
    this._placements = new Map();
    for (const plan of analysis.cells) {
      const parts = plan.parts ?? [];
      this._placements.set(plan.cell_id, { plan, part: 0, parts: Math.max(parts.length, 1) });
      parts.forEach((part, index) => {
        if (index > 0) {
          this._placements.set(part.cell_id, { plan, part: index, parts: parts.length });
        }
      });
    }
    this._diagnostics = new Map();
    for (const d of analysis.diagnostics) {
      const id = d.location?.cell_id;
      if (id) {
        this._diagnostics.set(id, [...(this._diagnostics.get(id) ?? []), d]);
      }
    }
    const failed = this._build;
    if (
      failed.status === 'failed' &&
      ticket > this._buildEndedAt &&
      failed.diagnostics.some(d => d.location?.cell_id || d.location?.cell_number) &&
      !analysis.diagnostics.some(d => d.severity === 'error')
    ) {
      this._build = { status: 'idle' };
    }
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _analyze: (signal: AbortSignal, ticket: number) => Promise<IAnalysis | null>;
  private _analysis: IAnalysis | null = null;
  private _placements = new Map<string, ICellPlacement>();
  private _diagnostics = new Map<string, IDiagnostic[]>();
  private _inflight = new Set<AbortController>();
  private _again = false;
  private _buildEndedAt = 0;
  private _analysisError: string | null = null;
  private _build: BuildState = { status: 'idle' };
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _requested = 0;
  private _answered = 0;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/** A cell's place in the plan: `part` 0 is the cell that names the step. */
export interface ICellPlacement {
  plan: ICellPlan;
  part: number;
  parts: number;
}

/** A badge: the role word and the text after it. */
export interface IBadge {
  role: string;
  text: string;
  /** Number of error diagnostics on the cell. */
  errors: number;
  warnings: number;
  /** The tags changed since the last analysis: the badge shows the tags until it answers. */
  pending: boolean;
}

/** Roles the plan gives a cell that show no badge (unmarked cells). */
const ROLES_WITHOUT_BADGE = new Set(['exploration']);

/**
 * What the badge of a cell says. It comes from the server's plan (the plan the build
 * uses), e.g. `function · train(X_train, y_train, n_estimators) -> model`, as long as the
 * cell's tags are those the analysis saw. Right after a tag edit, until the analysis of
 * the edit answers, the badge shows the role the tags ask for, marked pending.
 */
export function badgeFor(
  tags: readonly string[],
  seen: readonly string[] | undefined,
  placement: ICellPlacement | undefined,
  analysis: IAnalysis | null,
  diagnostics: readonly IDiagnostic[]
): IBadge | null {
  const errors = diagnostics.filter(d => d.severity === 'error').length;
  const warnings = diagnostics.filter(d => d.severity === 'warning').length;
  const problemsOnly = errors || warnings ? { role: 'problem', text: '', errors, warnings } : null;
  if (analysis === null || seen === undefined || !sameTags(tags, seen)) {
    const marking = markingOf(tags);
    if (marking.role === null) {
      return problemsOnly ? { ...problemsOnly, pending: true } : null;
    }
    const text = marking.role === 'function' || marking.role === 'test' ? (marking.name ?? '') : '';
    return { role: marking.role, text, errors, warnings, pending: true };
  }
  const plan = placement?.plan;
  if (!plan || !placement || ROLES_WITHOUT_BADGE.has(plan.role)) {
    return problemsOnly ? { ...problemsOnly, pending: false } : null;
  }
  let text = '';
  switch (plan.role) {
    case 'function':
      text =
        placement.part > 0
          ? `continues ${plan.name ?? ''} (part ${placement.part + 1} of ${placement.parts})`
          : (plan.signature ?? plan.name ?? '');
      if (plan.metrics && placement.part === 0) {
        text += '  · logs metrics';
      }
      break;
    case 'test':
      text = plan.signature || (plan.name ?? '');
      break;
    case 'parameters': {
      const names = withoutPrefix(plan.signature, 'parameters');
      const defaults = new Map(analysis.parameters.map(p => [p.name, p.default]));
      text = names
        .split(',')
        .map(name => name.trim())
        .filter(name => name)
        .map(name => (defaults.get(name) ? `${name}=${defaults.get(name)}` : name))
        .join(', ');
      break;
    }
    case 'export':
      text = withoutPrefix(plan.signature, 'export');
      break;
    default:
      text = '';
  }
  if (plan.module) {
    text += `  · module ${plan.module}`;
  }
  return { role: plan.role, text: text.trim(), errors, warnings, pending: false };
}

/** The badge as one line of text: its tooltip, since a long badge is cut off. */
export function badgeTitle(badge: IBadge): string {
  const parts = [badge.text ? `${badge.role}: ${badge.text}` : badge.role];
  if (badge.errors) {
    parts.push(`${badge.errors} error${badge.errors > 1 ? 's' : ''}`);
  }
  if (badge.warnings) {
    parts.push(`${badge.warnings} warning${badge.warnings > 1 ? 's' : ''}`);
  }
  if (badge.pending) {
    parts.push('analysing the new tags…');
  }
  return parts.join(' · ');
}

/** `"parameters: a, b"` → `"a, b"` (the badge shows the role word itself). */
function withoutPrefix(signature: string | null, role: string): string {
  const text = signature ?? '';
  return text.startsWith(`${role}:`) ? text.slice(role.length + 1).trim() : text;
}
