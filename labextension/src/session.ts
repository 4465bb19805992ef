/**
 * Connects one open notebook to its PackageModel: sends the notebook to the
 * server after edits (debounced), and keeps the cell badges in step.
 */
import { ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IObservableList } from '@jupyterlab/observables';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import { PackageModel } from './model';
import { ISettings } from './tokens';
import { BadgeView } from './widgets/badges';

export class NotebookSession {
  constructor(
    readonly panel: NotebookPanel,
    private _settings: () => ISettings
  ) {
    this.model = new PackageModel({
      analyze: () => api.analyze(this.analyzeBody()),
      debounceMs: _settings().debounceMs
    });
    this._badges = new BadgeView(panel.content, this.model);
    void panel.context.ready.then(() => this._start());
    panel.disposed.connect(() => this.dispose());
  }

  readonly model: PackageModel;

  /** Emitted when the notebook's tags change (the panel's lists follow at once). */
  get tagsChanged(): ISignal<this, void> {
    return this._tagsChanged;
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
    Signal.clearData(this);
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
  private _disposed = false;
  private _tagsChanged = new Signal<this, void>(this);
}
