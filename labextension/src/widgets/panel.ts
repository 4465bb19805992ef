/**
 * The *Package* side panel of the active notebook: functions, tests and
 * parameters; diagnostics (click → the cell); Build with its outcome; Preview;
 * the proposed marking of an unmarked notebook, accepted whole or cell by cell.
 */
import { Clipboard } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { BuildState } from '../model';
import { stepGraph } from '../graph';
import { compareRuns, runSummary } from '../run';
import { NotebookSession } from '../session';
import { IAnalysis, IDiagnostic, IMlflowUi, ITrackedRun } from '../tokens';
import { renderStepGraph } from './graph';

export interface IPanelActions {
  jumpToCell(session: NotebookSession, cellId: string | null, cellNumber: number | null): void;
  /** Build the package of this session's notebook (the one the panel shows). */
  build(session: NotebookSession): void;
  preview(session: NotebookSession): void;
}

export class PackagePanel extends Widget {
  constructor(private _actions: IPanelActions) {
    super();
    this.id = 'nb2pkg-package-panel';
    this.addClass('nb2pkg-Panel');
    this.title.label = 'Package';
    this.title.caption = 'Package (nb2pkg): what this notebook builds';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'nb2pkg package');
    this.update();
  }

  get session(): NotebookSession | null {
    return this._session;
  }

  set session(session: NotebookSession | null) {
    if (session === this._session) {
      return;
    }
    this._session?.model.changed.disconnect(this._onChange, this);
    this._session?.tagsChanged.disconnect(this._onChange, this);
    this._session?.run.changed.disconnect(this._onChange, this);
    this._session?.viewChanged.disconnect(this._onChange, this);
    this._session = session;
    session?.viewChanged.connect(this._onChange, this);
    session?.model.changed.connect(this._onChange, this);
    session?.tagsChanged.connect(this._onChange, this);
    session?.run.changed.connect(this._onChange, this);
    this.update();
  }

  protected onUpdateRequest(): void {
    this.node.replaceChildren(...this._render());
  }

  private _onChange(): void {
    this.update();
  }

  private _render(): HTMLElement[] {
    const session = this._session;
    if (!session) {
      return [el('p', 'nb2pkg-Panel-empty', 'Open a notebook to see the package it makes.')];
    }
    const model = session.model;
    const analysis = model.analysis;
    const head = el('header', 'nb2pkg-Panel-header');
    head.append(
      el('h2', '', analysis ? `Package ${analysis.package}` : 'Package'),
      el('div', 'nb2pkg-Panel-notebook', session.path)
    );
    const actions = el('div', 'nb2pkg-Panel-actions');
    const building = model.buildState.status === 'building';
    actions.append(
      button('Build', 'Build the package from this notebook', building, () =>
        this._actions.build(session)
      ),
      button('Preview module', 'Show the generated module', false, () =>
        this._actions.preview(session)
      ),
      button(
        'Run pipeline',
        'Run the built package in a separate Python process, step by step',
        session.run.running,
        () => void session.run.start()
      ),
      button(
        'Propose marking',
        'Propose which cells become functions, parameters, tests (as nb2pkg tag --auto)',
        false,
        () => void session.propose()
      )
    );
    const parts: HTMLElement[] = [head, actions, this._buildOutcome(model.buildState, session)];
    parts.push(...this._runView(session));
    parts.push(this._trackedRunsView(session));
    parts.push(...this._proposal(session));
    if (model.analysisError) {
      parts.push(el('p', 'nb2pkg-Panel-error', `Analysis failed: ${model.analysisError}`));
    }
    if (!analysis) {
      parts.push(el('p', 'nb2pkg-Panel-empty', 'Analysing…'));
      return parts;
    }
    parts.push(
      this._section(
        'Functions',
        analysis.functions.map(f =>
          this._item(session, f.signature || f.name, f.cell_id, f.number, 'function')
        )
      ),
      this._section(
        'Tests',
        analysis.tests.map(t => this._item(session, t.name, t.cell_id, t.number, 'test'))
      ),
      this._section(
        'Parameters',
        analysis.parameters.map(p => {
          const text = p.default === null ? p.name : `${p.name} = ${p.default}`;
          return el('li', 'nb2pkg-Panel-parameter', text);
        })
      ),
      this._graph(session, analysis),
      this._section(
        'Diagnostics',
        analysis.diagnostics.map(d => this._diagnostic(session, d))
      )
    );
    return parts;
  }

  /** The last pipeline run: steps (click → cell), cancel, outputs and metrics, or the error. */
  private _runView(session: NotebookSession): HTMLElement[] {
    const run = session.run;
    const state = run.state;
    const parts: HTMLElement[] = [];
    if (run.requestError) {
      parts.push(el('p', 'nb2pkg-Panel-error', `Run request failed: ${run.requestError}`));
    }
    if (!state) {
      return parts;
    }
    const section = el('section', 'nb2pkg-Panel-section nb2pkg-Panel-run');
    section.dataset.status = state.status;
    section.setAttribute('aria-label', 'Pipeline run');
    section.setAttribute('aria-live', 'polite');
    section.append(
      el('h3', '', 'Pipeline run'),
      el('div', 'nb2pkg-Panel-summary', runSummary(state))
    );
    if (state.status === 'running') {
      section.append(
        button('Cancel run', 'Stop the pipeline and its processes', false, () => void run.cancel())
      );
    }
    if (state.diagnostics?.length) {
      const list = el('ul', '');
      list.append(...state.diagnostics.map(d => this._diagnostic(session, d)));
      section.append(list);
    }
    if (state.steps.length) {
      const list = el('ul', 'nb2pkg-Panel-steps');
      for (const step of state.steps) {
        const item = el('li', 'nb2pkg-Panel-step');
        item.dataset.status = step.status;
        const seconds = step.seconds !== undefined ? ` · ${step.seconds.toFixed(2)} s` : '';
        item.append(
          el('span', 'nb2pkg-Panel-stepStatus', step.status),
          el('code', '', step.name),
          el('span', 'nb2pkg-Panel-cell', seconds)
        );
        if (step.cell_id) {
          const cellId = step.cell_id;
          item.classList.add('nb2pkg-Panel-jump');
          item.tabIndex = 0;
          item.title = `Step ${step.name}: select its cell`;
          onActivate(item, () => this._actions.jumpToCell(session, cellId, null));
        }
        list.append(item);
      }
      section.append(list);
    }
    if (state.error) {
      const error = el('div', 'nb2pkg-Panel-runError', state.error.message);
      const cellId = state.error.cell_id;
      if (cellId) {
        error.classList.add('nb2pkg-Panel-jump');
        error.tabIndex = 0;
        error.title = 'Select the cell the failing step was built from';
        onActivate(error, () => this._actions.jumpToCell(session, cellId, null));
      }
      section.append(error);
    }
    const outputs = Object.entries(state.outputs);
    if (outputs.length) {
      section.append(
        listOf(
          'Outputs',
          outputs.map(([name, value]) => `${name} = ${value}`)
        )
      );
    }
    const metrics = Object.entries(state.metrics);
    if (metrics.length) {
      section.append(
        listOf(
          'Metrics',
          metrics.map(([name, value]) => `${name} = ${value}`)
        )
      );
    }
    parts.push(section);
    return parts;
  }

  /** The step graph (steps, what each reads from which, parameters), click → the cell. */
  private _graph(session: NotebookSession, analysis: IAnalysis): HTMLElement {
    const { nodes, edges } = stepGraph(analysis);
    const details = document.createElement('details');
    details.className = 'nb2pkg-Panel-section nb2pkg-Panel-graph';
    details.open = this._graphOpen;
    details.addEventListener('toggle', () => (this._graphOpen = details.open));
    details.append(el('summary', '', `Step graph (${nodes.length} steps, ${edges.length} links)`));
    if (nodes.length) {
      const box = el('div', 'nb2pkg-Panel-graphBox');
      box.append(
        renderStepGraph(nodes, edges, node =>
          this._actions.jumpToCell(session, node.cellId, node.number)
        )
      );
      details.append(box);
    }
    return details;
  }

  /** The package's last MLflow runs (on demand); two of them side by side. */
  private _trackedRunsView(session: NotebookSession): HTMLElement {
    const section = el('section', 'nb2pkg-Panel-section nb2pkg-Panel-runs');
    section.setAttribute('aria-label', 'Tracked runs');
    const answer = session.trackedRuns;
    section.append(el('h3', '', answer ? `Tracked runs (${answer.runs.length})` : 'Tracked runs'));
    section.append(
      button(
        answer ? 'Refresh runs' : 'Show last runs',
        "Read the package's last runs from its MLflow store",
        session.trackedRunsLoading,
        () => void session.loadTrackedRuns()
      )
    );
    if (session.trackedRunsLoading) {
      section.append(el('span', 'nb2pkg-Panel-none', ' reading the MLflow store…'));
    }
    if (session.trackedRunsError) {
      section.append(el('p', 'nb2pkg-Panel-error', session.trackedRunsError));
    }
    if (!answer) {
      return section;
    }
    if (answer.diagnostics.length) {
      const list = el('ul', '');
      list.append(...answer.diagnostics.map(d => this._diagnostic(session, d)));
      section.append(list);
    }
    if (!answer.runs.length) {
      section.append(
        el('p', 'nb2pkg-Panel-none', 'No tracked run yet: run the pipeline (with tracking).')
      );
      return section;
    }
    if (answer.store) {
      section.append(el('div', 'nb2pkg-Panel-notebook', `from ${answer.store}`));
    }
    if (answer.mlflow_ui) {
      section.append(mlflowUiView(answer.mlflow_ui));
    }
    const compared = session.comparedRuns;
    const table = el('table', 'nb2pkg-Panel-runTable');
    const head = el('tr', '');
    for (const title of ['', 'status', 'version', 'duration', 'started', 'metrics']) {
      head.append(el('th', '', title));
    }
    table.append(head);
    for (const run of answer.runs) {
      const row = el('tr', 'nb2pkg-Panel-trackedRun');
      row.dataset.runId = run.id;
      row.dataset.status = run.status;
      const choose = document.createElement('input');
      choose.type = 'checkbox';
      choose.checked = compared.includes(run.id);
      choose.setAttribute('aria-label', `Compare run ${run.name ?? run.id}`);
      choose.addEventListener('change', () => session.toggleCompared(run.id));
      const pick = el('td', '');
      pick.append(choose);
      const metrics = Object.entries(run.metrics)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ');
      row.append(
        pick,
        el('td', '', run.status),
        el('td', '', run.version ?? ''),
        el('td', '', run.seconds === null ? '' : `${run.seconds.toFixed(1)} s`),
        el('td', '', new Date(run.start_time).toLocaleString()),
        el('td', 'nb2pkg-Panel-code', metrics)
      );
      row.title =
        `MLflow run ${run.id}` + (run.failed_step ? ` (failed in ${run.failed_step})` : '');
      table.append(row);
    }
    section.append(table);
    const chosen = compared
      .map(id => answer.runs.find(run => run.id === id))
      .filter((run): run is ITrackedRun => run !== undefined);
    if (chosen.length === 2) {
      const side = el('table', 'nb2pkg-Panel-compare');
      side.setAttribute('aria-label', 'Two runs side by side');
      const header = el('tr', '');
      header.append(
        el('th', '', ''),
        el('th', '', chosen[0].name ?? chosen[0].id.slice(0, 8)),
        el('th', '', chosen[1].name ?? chosen[1].id.slice(0, 8))
      );
      side.append(header);
      for (const line of compareRuns(chosen[0], chosen[1])) {
        const row = el('tr', 'nb2pkg-Panel-compareRow');
        row.dataset.kind = line.kind;
        row.dataset.differs = String(line.differs);
        row.append(el('th', '', line.name), el('td', '', line.left), el('td', '', line.right));
        side.append(row);
      }
      section.append(el('h4', '', 'Side by side'), side);
    } else {
      section.append(el('p', 'nb2pkg-Panel-none', 'Tick two runs to see them side by side.'));
    }
    return section;
  }

  /** The proposed marking (accept all / per cell / dismiss), and the undo of an acceptance. */
  private _proposal(session: NotebookSession): HTMLElement[] {
    const parts: HTMLElement[] = [];
    const accepted = session.lastAccepted;
    if (accepted) {
      const box = el('div', 'nb2pkg-Panel-accepted');
      box.setAttribute('aria-live', 'polite');
      const count = accepted.length;
      box.append(
        el('span', '', `Marked ${count} cell${count === 1 ? '' : 's'}. `),
        button('Undo', 'Put back the tags these cells had', false, () => session.undoAccepted())
      );
      parts.push(box);
    }
    if (session.proposalError) {
      parts.push(el('p', 'nb2pkg-Panel-error', `Proposal failed: ${session.proposalError}`));
    }
    if (!session.proposal) {
      return parts;
    }
    const open = session.openProposals();
    const section = el('section', 'nb2pkg-Panel-section nb2pkg-Panel-proposal');
    section.setAttribute('aria-label', 'Proposed marking');
    section.append(el('h3', '', `Proposed marking (${open.length})`));
    const controls = el('div', 'nb2pkg-Panel-actions');
    controls.append(
      button('Accept all', 'Add every proposed tag, as one undoable edit', !open.length, () =>
        session.acceptProposal()
      ),
      button('Dismiss', 'Forget the proposal', false, () => session.dismissProposal())
    );
    section.append(controls);
    const list = el('ul', '');
    for (const proposal of open) {
      const item = el('li', 'nb2pkg-Panel-proposed nb2pkg-Panel-jump');
      item.dataset.cellId = proposal.cell_id;
      item.append(
        el('code', '', proposal.role_tag ?? ''),
        el('span', 'nb2pkg-Panel-cell', `cell ${proposal.index + 1}`),
        el('div', 'nb2pkg-Panel-hint', proposal.reason)
      );
      const accept = button('Accept', `Add ${proposal.role_tag} to this cell`, false, () =>
        session.acceptProposal([proposal.cell_id])
      );
      accept.addEventListener('click', event => event.stopPropagation());
      accept.classList.add('nb2pkg-Panel-accept');
      item.append(accept);
      item.title = 'Select the cell';
      item.tabIndex = 0;
      onActivate(item, () =>
        this._actions.jumpToCell(session, proposal.cell_id, proposal.index + 1)
      );
      list.append(item);
    }
    if (!open.length) {
      list.append(el('li', 'nb2pkg-Panel-none', 'nothing left to propose'));
    }
    section.append(list);
    parts.push(section);
    return parts;
  }

  private _section(title: string, items: HTMLElement[]): HTMLElement {
    const section = el('section', 'nb2pkg-Panel-section');
    section.setAttribute('aria-label', title);
    section.append(el('h3', '', `${title} (${items.length})`));
    const list = el('ul', '');
    if (items.length) {
      list.append(...items);
    } else {
      list.append(el('li', 'nb2pkg-Panel-none', 'none'));
    }
    section.append(list);
    return section;
  }

  private _item(
    session: NotebookSession,
    text: string,
    cellId: string,
    number: number,
    kind: string
  ): HTMLElement {
    const item = el('li', `nb2pkg-Panel-${kind} nb2pkg-Panel-jump`);
    item.append(el('code', '', text), el('span', 'nb2pkg-Panel-cell', `cell ${number}`));
    // Long names wrap inside the panel; the tooltip repeats them whole.
    item.title = `${text} (cell ${number}): select the cell`;
    item.tabIndex = 0;
    onActivate(item, () => this._actions.jumpToCell(session, cellId, number));
    return item;
  }

  private _diagnostic(session: NotebookSession | null, d: IDiagnostic): HTMLElement {
    const item = el('li', 'nb2pkg-Panel-diagnostic');
    item.dataset.severity = d.severity;
    item.dataset.code = d.code;
    const where = d.location?.cell_number ? `cell ${d.location.cell_number}` : '';
    item.append(
      el('span', 'nb2pkg-Panel-severity', d.severity),
      el('span', 'nb2pkg-Panel-code', d.code),
      el('span', 'nb2pkg-Panel-message', d.message)
    );
    if (where) {
      item.append(el('span', 'nb2pkg-Panel-cell', where));
    }
    if (d.hint) {
      item.append(el('div', 'nb2pkg-Panel-hint', d.hint));
    }
    item.title = d.where ?? '';
    if (session && (d.location?.cell_id || d.location?.cell_number)) {
      item.classList.add('nb2pkg-Panel-jump');
      item.tabIndex = 0;
      onActivate(item, () =>
        this._actions.jumpToCell(
          session,
          d.location?.cell_id ?? null,
          d.location?.cell_number ?? null
        )
      );
    }
    return item;
  }

  private _buildOutcome(state: BuildState, session: NotebookSession): HTMLElement {
    const box = el('div', 'nb2pkg-Panel-build');
    box.dataset.status = state.status;
    box.setAttribute('aria-live', 'polite');
    switch (state.status) {
      case 'idle':
        break;
      case 'building': {
        const progress = document.createElement('progress');
        progress.setAttribute('aria-label', 'Building');
        box.append(el('span', '', 'Building… '), progress);
        break;
      }
      case 'done': {
        const r = state.result;
        const summary = r.up_to_date
          ? `${r.package} ${r.version ?? ''} is up to date`
          : `Built ${r.package} ${r.version ?? ''}` +
            (r.previous_version
              ? ` (${r.bump} bump from ${r.previous_version})`
              : ' (first build)');
        box.append(
          el('div', 'nb2pkg-Panel-summary', summary),
          el('div', 'nb2pkg-Panel-outdir', r.out_dir)
        );
        if (r.changes.length) {
          box.append(listOf('Changes', r.changes));
        }
        if (r.changed_files.length) {
          box.append(listOf('Changed files', r.changed_files));
        }
        break;
      }
      case 'failed': {
        box.append(el('div', 'nb2pkg-Panel-summary', `Build failed: ${state.message}`));
        const list = el('ul', '');
        list.append(...state.diagnostics.map(d => this._diagnostic(session, d)));
        box.append(list);
        break;
      }
    }
    return box;
  }

  private _session: NotebookSession | null = null;
  private _graphOpen = false;
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function button(label: string, title: string, disabled: boolean, act: () => void): HTMLElement {
  const node = document.createElement('button');
  node.className = 'jp-Button jp-mod-styled jp-mod-accept nb2pkg-Panel-button';
  node.textContent = label;
  node.title = title;
  node.disabled = disabled;
  node.addEventListener('click', act);
  return node;
}

/**
 * Open MLflow's UI: the command that serves the package's store (copied with one click, to
 * run in a terminal) and the address it answers at; or why there is none.
 */
function mlflowUiView(ui: IMlflowUi): HTMLElement {
  const box = el('div', 'nb2pkg-Panel-mlflowUi');
  box.dataset.installed = String(ui.installed);
  if (!ui.command) {
    box.append(el('p', 'nb2pkg-Panel-hint', ui.note));
    return box;
  }
  const command = ui.command;
  const code = el('code', 'nb2pkg-Panel-command', command);
  const copy = button('Copy MLflow UI command', `Copy: ${command}`, false, () => {
    Clipboard.copyToSystem(command);
    copy.textContent = 'Copied';
  });
  box.append(el('h4', '', 'Open MLflow UI'), code, copy);
  if (ui.url) {
    const link = document.createElement('a');
    link.href = ui.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.textContent = ui.url;
    link.className = 'nb2pkg-Panel-link';
    box.append(el('span', 'nb2pkg-Panel-hint', ' then open '), link);
  }
  box.append(el('div', 'nb2pkg-Panel-hint', ui.note));
  return box;
}

function listOf(title: string, lines: string[]): HTMLElement {
  const box = el('div', 'nb2pkg-Panel-list');
  box.append(el('h4', '', title));
  const list = el('ul', '');
  list.append(...lines.map(line => el('li', '', line)));
  box.append(list);
  return box;
}

function onActivate(node: HTMLElement, act: () => void): void {
  node.addEventListener('click', act);
  node.addEventListener('keydown', event => {
    // A button inside the item (Accept) handles its own keys.
    if (event.target !== node) {
      return;
    }
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      act();
    }
  });
}
