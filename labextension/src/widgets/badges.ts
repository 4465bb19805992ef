/**
 * The badge above each marked cell: its role and what it becomes,
 * e.g. `function  train(X_train, y_train, n_estimators) -> model`.
 * It shows the server's plan of the cell (what the build makes of it); right
 * after a tag edit, the role the tags ask for, marked pending, until the
 * analysis of the edit answers.
 */
import { Cell } from '@jupyterlab/cells';
import { Notebook } from '@jupyterlab/notebook';

import { badgeFor, badgeTitle, IBadge, PackageModel } from '../model';
import { ICellProposal } from '../tokens';

const BADGE_CLASS = 'nb2pkg-Badge';

export class BadgeView {
  constructor(
    private _notebook: Notebook,
    private _model: PackageModel,
    private _proposed: (cellId: string) => ICellProposal | undefined = () => undefined
  ) {
    _model.changed.connect(this.refresh, this);
  }

  /** Bring every cell's badge up to date (only changed badges touch the DOM). */
  refresh(): void {
    if (this._disposed) {
      return;
    }
    const analysis = this._model.analysis;
    for (const cell of this._notebook.widgets) {
      const id = cell.model.id;
      const tags = cell.model.getMetadata('tags') as unknown;
      const badge = badgeFor(
        Array.isArray(tags) ? tags.filter(t => typeof t === 'string') : [],
        this._model.seenTags(id),
        this._model.placement(id),
        analysis,
        this._model.diagnosticsFor(id)
      );
      const proposal = this._proposed(id);
      render(cell, proposal ? proposedBadge(proposal, badge) : badge);
    }
  }

  dispose(): void {
    this._disposed = true;
    this._model.changed.disconnect(this.refresh, this);
    for (const cell of this._notebook.widgets) {
      render(cell, null);
    }
  }

  private _disposed = false;
}

/** A proposed marking, shown on its cell until it is accepted or dismissed. */
function proposedBadge(proposal: ICellProposal, badge: IBadge | null): IBadge {
  return {
    role: 'proposed',
    text: `${proposal.role_tag ?? ''} — ${proposal.reason}`,
    errors: badge?.errors ?? 0,
    warnings: badge?.warnings ?? 0,
    pending: false
  };
}

function render(cell: Cell, badge: IBadge | null): void {
  let node = cell.node.querySelector<HTMLElement>(`:scope > .${BADGE_CLASS}`);
  if (badge === null) {
    node?.remove();
    return;
  }
  if (!node) {
    node = document.createElement('div');
    node.className = BADGE_CLASS;
  }
  place(cell, node);
  const key = JSON.stringify(badge);
  if (node.dataset.key === key) {
    return;
  }
  node.dataset.key = key;
  node.dataset.role = badge.role;
  node.dataset.pending = String(badge.pending);
  // A long signature is cut off with an ellipsis: the tooltip has all of it.
  node.title = badgeTitle(badge);
  node.setAttribute('aria-label', `nb2pkg: ${badgeTitle(badge)}`);
  node.replaceChildren();
  const role = document.createElement('span');
  role.className = 'nb2pkg-Badge-role';
  role.textContent = badge.role;
  node.appendChild(role);
  if (badge.text) {
    const text = document.createElement('code');
    text.className = 'nb2pkg-Badge-signature';
    text.textContent = badge.text;
    node.appendChild(text);
  }
  if (badge.errors || badge.warnings) {
    const problems = document.createElement('span');
    problems.className = 'nb2pkg-Badge-problems';
    problems.dataset.severity = badge.errors ? 'error' : 'warning';
    const parts = [];
    if (badge.errors) {
      parts.push(`${badge.errors} error${badge.errors > 1 ? 's' : ''}`);
    }
    if (badge.warnings) {
      parts.push(`${badge.warnings} warning${badge.warnings > 1 ? 's' : ''}`);
    }
    problems.textContent = parts.join(', ');
    node.appendChild(problems);
  }
}

/**
 * Keep the badge right below the cell's input, above its outputs. A cell of a
 * windowed notebook builds its DOM only when first shown, so the badge may have
 * been added before the input existed: it moves into place on a later refresh.
 */
function place(cell: Cell, node: HTMLElement): void {
  const input = cell.node.querySelector(':scope > .jp-Cell-inputWrapper');
  if (input) {
    if (input.nextElementSibling !== node) {
      input.after(node);
    }
  } else if (node.parentElement !== cell.node) {
    cell.node.appendChild(node);
  }
}
