/**
 * Connects one open notebook to its PackageModel: sends the notebook to the
 * server after edits (debounced), and keeps the cell badges in step.
 */
import { ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IObservableList } from '@jupyterlab/observables';
import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import { AnalyzeDeltas, INotebookJSON } from './deltas';
import { PackageModel } from './model';
import { PipelineRunModel } from './run';
import { acceptedTags, IAcceptedCell, openProposals, undoEdits } from './proposal';
import { IAnalysis, ICellProposal, IProposal, ISettings, ITrackedRuns } from './tokens';
import { BadgeView } from './widgets/badges';

export class NotebookSession {
  constructor(
    readonly panel: NotebookPanel,
    private _settings: () => ISettings
  ) {
    this.model = new PackageModel({
      analyze: (signal, ticket) => this._analyze(signal, ticket),
      debounceMs: _settings().debounceMs
    });
    this.run = new PipelineRunModel({
      start: () => api.run(this.packageBody()),
      status: id => api.runStatus(id),
      cancel: id => api.cancelRun(id),
      pollMs: 400
    });
    this._badges = new BadgeView(panel.content, this.model, cellId => this.proposedFor(cellId));
    void panel.context.ready.then(() => this._start());
    panel.disposed.connect(() => this.dispose());
  }

  readonly model: PackageModel;
  /** The last pipeline run started from the panel for this notebook's package. */
  readonly run: PipelineRunModel;

  /** Which package: the notebook, and the output folder and name from the settings. */
  packageBody(): api.IPreviewBody {
    const settings = this._settings();
    const body: api.IPreviewBody = { path: this.path };
    if (settings.outputDir) {
      body.out_dir = settings.outputDir;
    }
    if (settings.packageName) {
      body.name = settings.packageName;
    }
    return body;
  }

  /** Emitted when the notebook's tags change (the panel's lists follow at once). */
  get tagsChanged(): ISignal<this, void> {
    return this._tagsChanged;
  }

  /** Emitted when the panel's own views change (proposal, tracked runs). */
  get viewChanged(): ISignal<this, void> {
    return this._viewChanged;
  }

  /** The package's last tracked runs, once asked for; null before. */
  get trackedRuns(): ITrackedRuns | null {
    return this._trackedRuns;
  }

  get trackedRunsLoading(): boolean {
    return this._trackedRunsLoading;
  }

  /** The runs chosen for the side-by-side view (at most two, the latest choice last). */
  get comparedRuns(): readonly string[] {
    return this._compared;
  }

  /** Read the package's last runs from its MLflow store (the server reads them). */
  async loadTrackedRuns(): Promise<void> {
    this._trackedRunsLoading = true;
    this._trackedRunsError = null;
    this._viewChanged.emit();
    try {
      this._trackedRuns = await api.trackedRuns({ ...this.packageBody(), limit: 10 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this._trackedRuns = { runs: [], store: null, diagnostics: [] };
      this._trackedRunsError = message;
    } finally {
      this._trackedRunsLoading = false;
    }
    const known = new Set(this._trackedRuns.runs.map(run => run.id));
    this._compared = this._compared.filter(id => known.has(id));
    this._viewChanged.emit();
  }

  get trackedRunsError(): string | null {
    return this._trackedRunsError;
  }

  /** Add a run to, or take it out of, the side-by-side view (a third choice drops the first). */
  toggleCompared(runId: string): void {
    this._compared = this._compared.includes(runId)
      ? this._compared.filter(id => id !== runId)
      : [...this._compared, runId].slice(-2);
    this._viewChanged.emit();
  }

  /** The marking proposed for the notebook (shown until accepted or dismissed), or null. */
  get proposal(): IProposal | null {
    return this._proposal;
  }

  /** Why the last proposal request failed, or null. */
  get proposalError(): string | null {
    return this._proposalError;
  }

  /** The cells the last "accept" marked (the panel offers to undo it), or null. */
  get lastAccepted(): readonly IAcceptedCell[] | null {
    return this._lastAccepted;
  }

  /** The proposals not yet accepted, in notebook order. */
  openProposals(): ICellProposal[] {
    return openProposals(this._proposal, cellId => this._cellTags(cellId));
  }

  /** The proposal still open for one cell, or undefined. */
  proposedFor(cellId: string): ICellProposal | undefined {
    return this.openProposals().find(cell => cell.cell_id === cellId);
  }

  /** Ask the server what `nb2pkg tag --auto` would mark, for the notebook as it is now. */
  async propose(): Promise<void> {
    this._proposalError = null;
    try {
      const body = this.analyzeBody();
      this._proposal = await api.propose({ path: body.path, notebook: body.notebook });
      this._lastAccepted = null;
    } catch (error) {
      this._proposal = null;
      this._proposalError = error instanceof Error ? error.message : String(error);
    }
    this._proposalChanged();
  }

  /** The function name the server suggests for a cell, by the rule of `nb2pkg tag`; "" when
   * it cannot say (the dialog then starts empty). */
  async suggestName(cellId: string): Promise<string> {
    try {
      const body = this.analyzeBody();
      const answer = await api.suggestName({
        path: body.path,
        notebook: body.notebook,
        cell_id: cellId
      });
      return answer.name;
    } catch {
      return '';
    }
  }

  /** Accept the open proposals of these cells (all when omitted), as one undoable edit. */
  acceptProposal(cellIds?: readonly string[]): void {
    const notebook = this.panel.content.model;
    if (!notebook) {
      return;
    }
    const chosen = this.openProposals().filter(p => !cellIds || cellIds.includes(p.cell_id));
    const accepted: IAcceptedCell[] = [];
    notebook.sharedModel.transact(() => {
      for (const proposal of chosen) {
        const cell = this._cellModel(proposal.cell_id);
        const before = this._cellTags(proposal.cell_id);
        if (!cell || !before || proposal.role_tag === null) {
          continue;
        }
        const after = acceptedTags(before, proposal.role_tag);
        cell.setMetadata('tags', after);
        accepted.push({ cellId: proposal.cell_id, before: [...before], after });
      }
    });
    this._lastAccepted = accepted.length ? accepted : this._lastAccepted;
    if (!this.openProposals().length) {
      this._proposal = null;
    }
    this._proposalChanged();
  }

  /** Put back the tags the last acceptance replaced (cells edited since keep their edit). */
  undoAccepted(): void {
    const notebook = this.panel.content.model;
    const accepted = this._lastAccepted;
    if (!notebook || !accepted) {
      return;
    }
    notebook.sharedModel.transact(() => {
      for (const edit of undoEdits(accepted, cellId => this._cellTags(cellId))) {
        const cell = this._cellModel(edit.cellId);
        if (edit.tags.length) {
          cell?.setMetadata('tags', edit.tags);
        } else {
          cell?.deleteMetadata('tags');
        }
      }
    });
    this._lastAccepted = null;
    this._proposalChanged();
  }

  /** Forget the proposal. */
  dismissProposal(): void {
    this._proposal = null;
    this._proposalError = null;
    this._proposalChanged();
  }

  /** The notebook's path, relative to the server root. */
  get path(): string {
    return this.panel.context.path;
  }

  /** The body of an analyze request: the notebook as it is in the editor, without outputs. */
  analyzeBody(): api.IAnalyzeBody {
    const shared = this.panel.content.model!.sharedModel;
    const cells = shared.cells.map(cell => {
      const raw = cell.toJSON() as { [key: string]: unknown };
      if (raw.cell_type === 'code') {
        raw.outputs = [];
      }
      delete raw.attachments;
      return raw;
    });
    // nbformat 4.5 keeps cell ids, so diagnostics and badges find their cells.
    const notebook = { nbformat: 4, nbformat_minor: 5, metadata: shared.getMetadata(), cells };
    const body: api.IAnalyzeBody = { path: this.path, notebook };
    const name = this._settings().packageName;
    if (name) {
      body.package = name;
    }
    return body;
  }

  /** Tags of every cell of an analyze body, by cell id: what the answer's plan was made from. */
  static tagsOf(body: api.IAnalyzeBody): { [cellId: string]: string[] } {
    const seen: { [cellId: string]: string[] } = {};
    const cells = (body.notebook as { cells?: { id?: string; metadata?: { tags?: unknown } }[] })
      ?.cells;
    for (const cell of cells ?? []) {
      const tags = cell.metadata?.tags;
      if (cell.id) {
        seen[cell.id] = Array.isArray(tags) ? tags.filter(t => typeof t === 'string') : [];
      }
    }
    return seen;
  }

  /**
   * The cell tags may have changed without an event: JupyterLab's tag editor (Property
   * Inspector) stores its own list when it first writes an empty `tags`, then adds a tag by
   * pushing into that list, so the model holds the new tag but emits no change. Called
   * after each use of that editor; re-reading the tags costs little.
   */
  tagsMayHaveChanged(): void {
    this._onTags();
  }

  /** Settings changed: new debounce, live preview turned on or off. */
  settingsChanged(): void {
    this.model.debounceMs = this._settings().debounceMs;
    if (this._settings().livePreview) {
      this.model.scheduleAnalysis();
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._badges.dispose();
    this.model.dispose();
    this.run.dispose();
    Signal.clearData(this);
  }

  private _cellModel(cellId: string): ICellModel | undefined {
    const cells = this.panel.content.model?.cells;
    if (!cells) {
      return undefined;
    }
    for (const cell of cells) {
      if (cell.id === cellId) {
        return cell;
      }
    }
    return undefined;
  }

  private _cellTags(cellId: string): string[] | undefined {
    const cell = this._cellModel(cellId);
    if (!cell) {
      return undefined;
    }
    const tags = cell.getMetadata('tags') as unknown;
    return Array.isArray(tags) ? tags.filter(t => typeof t === 'string') : [];
  }

  private _proposalChanged(): void {
    this._badges.refresh();
    this._viewChanged.emit();
  }

  /**
   * The analysis of the notebook as it is now; null when a newer request replaced it. Sent as
   * a delta against the last answered request when the server can rebuild it (`deltas.ts`).
   */
  private async _analyze(signal: AbortSignal, ticket: number): Promise<IAnalysis | null> {
    const body = this.analyzeBody();
    const seen = NotebookSession.tagsOf(body);
    const notebook = body.notebook as INotebookJSON;
    try {
      const analysis = await this._requests.analyze(
        body.path,
        notebook,
        ticket,
        body.package,
        signal
      );
      return { ...analysis, seen_tags: seen };
    } catch (error) {
      if (api.isSuperseded(error)) {
        return null;
      }
      throw error;
    }
  }

  private _start(): void {
    const notebook = this.panel.content.model;
    if (!notebook || this._disposed) {
      return;
    }
    notebook.contentChanged.connect(this._onEdit, this);
    notebook.cells.changed.connect(this._onCellsChanged, this);
    for (const cell of notebook.cells) {
      cell.metadataChanged.connect(this._onTags, this);
    }
    this._badges.refresh();
    void this.model.analyzeNow();
  }

  private _onCellsChanged(_: unknown, change: IObservableList.IChangedArgs<ICellModel>): void {
    for (const cell of change.newValues) {
      cell.metadataChanged.connect(this._onTags, this);
    }
    this._badges.refresh();
  }

  private _onTags(): void {
    this._badges.refresh();
    this._tagsChanged.emit();
    this._onEdit();
  }

  private _onEdit(): void {
    if (this._settings().livePreview) {
      this.model.scheduleAnalysis();
    }
  }

  private _badges: BadgeView;
  /**
   * This panel's analyze requests, named by a client id of its own: the server drops those a
   * newer one replaced, and holds what it analysed for it (its next requests are deltas).
   */
  private readonly _requests = new AnalyzeDeltas<IAnalysis>(UUID.uuid4(), (request, signal) =>
    api.analyze(request, signal)
  );
  private _viewChanged = new Signal<this, void>(this);
  private _trackedRuns: ITrackedRuns | null = null;
  private _trackedRunsLoading = false;
  private _trackedRunsError: string | null = null;
  private _compared: string[] = [];
  private _proposal: IProposal | null = null;
  private _proposalError: string | null = null;
  private _lastAccepted: IAcceptedCell[] | null = null;
  private _disposed = false;
  private _tagsChanged = new Signal<this, void>(this);
}
