/**
 * The commands: marking cells (they edit `metadata.tags` through the cell
 * model, so undo works and JupyterLab's tag editor shows the same tags),
 * build, preview, and the panel.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  showErrorMessage
} from '@jupyterlab/apputils';
import { Cell, ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, Notebook } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { functionNameProblem } from './naming';
import { NotebookSession } from './session';
import { markingOf, Role, sameTags, withMetrics, withoutMarks, withRole } from './tagging';
import { CommandIDs, ISettings } from './tokens';

export const packageIcon = new LabIcon({
  name: 'nb2pkg:package',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><path class="jp-icon3" fill="#616161" d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2zm0 2.2 6.6 3.3L12 10.8 5.4 7.5 12 4.2zM5 9.1l6 3v7.6l-6-3V9.1zm8 10.6v-7.6l6-3v7.6l-6 3z"/></svg>'
});

export const functionIcon = new LabIcon({
  name: 'nb2pkg:function',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><path class="jp-icon3" fill="#616161" d="M15.6 3c-2.3 0-3.4 1.5-3.9 4l-.3 1.6H9.2l-.3 1.9h2.2l-1.4 7.2c-.3 1.4-.8 2-1.7 2-.4 0-.8-.1-1.1-.3l-.6 1.8c.5.3 1.1.4 1.8.4 2.3 0 3.5-1.5 4-4.1l1.4-7h2.6l.4-1.9h-2.6l.3-1.4c.3-1.4.8-2.1 1.7-2.1.4 0 .8.1 1.1.3l.6-1.8c-.5-.3-1.1-.4-1.9-.4z"/></svg>'
});

export interface ICommandContext {
  app: JupyterFrontEnd;
  tracker: INotebookTracker;
  palette: ICommandPalette | null;
  settings: () => ISettings;
  session: (notebook: Notebook | null) => NotebookSession | null;
  showPanel: () => void;
}

/** Commands without arguments. */
const NO_ARGS = { args: { type: 'object' as const, properties: {} } };

const KEYS_SELECTOR = '.jp-Notebook.jp-mod-commandMode :focus:not(:read-write)';

/** What the panel's buttons run, for the notebook the panel shows. */
export interface ISessionActions {
  build(session: NotebookSession): Promise<void>;
  preview(session: NotebookSession): Promise<void>;
}

export function addCommands(ctx: ICommandContext): ISessionActions {
  const { app, tracker } = ctx;
  const hasNotebook = () => tracker.currentWidget !== null && tracker.activeCell !== null;

  app.commands.addCommand(CommandIDs.markFunction, {
    label: 'Mark as function…',
    caption: 'Make this cell a function of the package (asks its name)',
    icon: functionIcon,
    isEnabled: hasNotebook,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'The function name; asked for when missing' }
        }
      }
    },
    execute: async args => {
      const marked = await markFunction(ctx, typeof args.name === 'string' ? args.name : null);
      refocusNotebook(tracker);
      return marked;
    }
  });

  const roles: [string, Role, string, string][] = [
    [CommandIDs.markTest, 'test', 'Mark as test', 'Make the selected cells pytest tests'],
    [
      CommandIDs.markParameters,
      'parameters',
      'Mark as parameters',
      "The cell's literal assignments become run() parameters"
    ],
    [
      CommandIDs.markExport,
      'export',
      'Mark as export',
      "Copy the cell's imports, defs and classes into the module as they are"
    ],
    [
      CommandIDs.markSkip,
      'skip',
      'Mark as skip',
      'Keep the selected cells out of the package and its analysis'
    ]
  ];
  for (const [id, role, label, caption] of roles) {
    app.commands.addCommand(id, {
      label,
      caption,
      describedBy: NO_ARGS,
      isEnabled: hasNotebook,
      execute: () => {
        editSelected(tracker, tags => withRole(tags, role));
        refocusNotebook(tracker);
      }
    });
  }

  app.commands.addCommand(CommandIDs.markMetrics, {
    label: 'Mark as metrics (log its numbers)',
    describedBy: NO_ARGS,
    caption: 'Log the numbers this function cell binds as MLflow metrics',
    isEnabled: hasNotebook,
    isToggled: () => activeMarking(tracker)?.metrics ?? false,
    execute: async () => {
      const cell = tracker.activeCell;
      if (!cell) {
        return;
      }
      const marking = activeMarking(tracker);
      if (marking?.role !== 'function') {
        // metrics belong to a function step: make the cell one first.
        if (!(await markFunction(ctx, null))) {
          return;
        }
        editCell(cell.model, tags => withMetrics(tags, true));
      } else {
        editCell(cell.model, tags => withMetrics(tags, !marking.metrics));
      }
      refocusNotebook(tracker);
    }
  });

  app.commands.addCommand(CommandIDs.clearMarks, {
    label: 'Clear nb2pkg marks',
    describedBy: NO_ARGS,
    caption: "Remove nb2pkg's tags from the selected cells (other tags stay)",
    isEnabled: hasNotebook,
    execute: () => {
      editSelected(tracker, withoutMarks);
      refocusNotebook(tracker);
    }
  });

  app.commands.addCommand(CommandIDs.build, {
    label: 'Build package from notebook',
    describedBy: NO_ARGS,
    caption: 'Save the notebook and build its package',
    icon: packageIcon,
    isEnabled: () => tracker.currentWidget !== null,
    execute: () => buildCurrent(ctx)
  });

  app.commands.addCommand(CommandIDs.preview, {
    label: 'Preview generated module',
    describedBy: NO_ARGS,
    caption: 'Show the code a build of the notebook as edited would write (unsaved edits too)',
    isEnabled: () => tracker.currentWidget !== null,
    execute: () => previewCurrent(ctx)
  });

  app.commands.addCommand(CommandIDs.runPipeline, {
    label: 'Run pipeline of the built package',
    describedBy: NO_ARGS,
    caption: 'Run the built package in a separate Python process, step by step',
    isEnabled: () => tracker.currentWidget !== null,
    execute: () => {
      const session = ctx.session(ctx.tracker.currentWidget?.content ?? null);
      if (session) {
        ctx.showPanel();
        void session.run.start();
      }
    }
  });

  app.commands.addCommand(CommandIDs.openPanel, {
    label: 'Show Package panel',
    describedBy: NO_ARGS,
    execute: () => ctx.showPanel()
  });

  const keys: [string, string][] = [
    [CommandIDs.markFunction, 'Alt Shift F'],
    [CommandIDs.markTest, 'Alt Shift T'],
    [CommandIDs.markParameters, 'Alt Shift P'],
    [CommandIDs.markMetrics, 'Alt Shift M'],
    [CommandIDs.markExport, 'Alt Shift E'],
    [CommandIDs.markSkip, 'Alt Shift S'],
    [CommandIDs.clearMarks, 'Alt Shift C'],
    [CommandIDs.build, 'Alt Shift B']
  ];
  for (const [command, key] of keys) {
    app.commands.addKeyBinding({ command, keys: [key], selector: KEYS_SELECTOR });
  }

  const actions = {
    build: (session: NotebookSession) => buildSession(ctx, session),
    preview: (session: NotebookSession) => previewSession(ctx, session)
  };
  if (ctx.palette) {
    // No arguments: the palette then finds the key bindings above and shows the shortcuts.
    for (const command of Object.values(CommandIDs)) {
      ctx.palette.addItem({ command, category: 'nb2pkg' });
    }
  }
  return actions;
}

/** Mark the active cell as a function; returns whether it was marked. */
async function markFunction(ctx: ICommandContext, given: string | null): Promise<boolean> {
  const notebook = ctx.tracker.currentWidget?.content;
  const cell = ctx.tracker.activeCell;
  if (!notebook || !cell || cell.model.type !== 'code') {
    if (cell) {
      await showErrorMessage('Mark as function', 'Only code cells can become functions.');
    }
    return false;
  }
  let name = given;
  if (name === null || functionNameProblem(name) !== null) {
    const session = ctx.session(notebook);
    name = await askFunctionName(notebook, cell, name, () =>
      session ? session.suggestName(cell.model.id) : Promise.resolve('')
    );
    if (name === null) {
      return false;
    }
  }
  const chosen = name;
  editCell(cell.model, tags => withRole(tags, 'function', chosen));
  return true;
}

async function askFunctionName(
  notebook: Notebook,
  cell: Cell,
  rejected: string | null,
  suggest: () => Promise<string>
): Promise<string | null> {
  // Function names other cells use, with their cell numbers (a duplicate is NB104).
  const takenBy = new Map<string, number>();
  notebook.widgets.forEach((other, index) => {
    const marking = markingOf(tagsOf(other.model));
    if (other !== cell && marking.role === 'function' && marking.name) {
      takenBy.set(marking.name, index + 1);
    }
  });
  const current = markingOf(tagsOf(cell.model));
  let text =
    rejected ??
    (current.role === 'function' && current.name
      ? current.name
      : distinctName(await suggest(), takenBy));
  let label = (rejected !== null ? nameProblemLabel(rejected, takenBy) : null) ?? 'Function name';
  for (;;) {
    const result = await InputDialog.getText({
      title: 'Mark cell as function',
      label,
      text,
      okLabel: 'Mark',
      placeholder: 'e.g. clean_data'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    text = result.value.trim();
    const problem = nameProblemLabel(text, takenBy);
    if (problem === null) {
      return text;
    }
    label = problem;
  }
}

/** Why the converter would refuse `name` (as the dialog's label), or null. */
function nameProblemLabel(name: string, takenBy: Map<string, number>): string | null {
  const problem = functionNameProblem(name);
  if (problem) {
    return `${problem.message} (${problem.code}): ${problem.hint}`;
  }
  const cellNumber = takenBy.get(name);
  if (cellNumber !== undefined) {
    return `cell ${cellNumber} already has the function "${name}" (NB104): choose another name`;
  }
  return null;
}

/** ``name``, or ``name_2``, ``name_3``… when another cell's function has it already. */
function distinctName(name: string, takenBy: ReadonlyMap<string, number>): string {
  let candidate = name;
  for (let counter = 2; name && takenBy.has(candidate); counter++) {
    candidate = `${name}_${counter}`;
  }
  return candidate;
}

/**
 * Give the keyboard back to the notebook after a marking command: run from a context menu
 * or a dialog, focus would otherwise stay on the page body and the notebook's keys stop.
 */
function refocusNotebook(tracker: INotebookTracker): void {
  const notebook = tracker.currentWidget?.content;
  if (notebook && !notebook.node.contains(document.activeElement)) {
    notebook.activate();
  }
}

function tagsOf(model: ICellModel): string[] {
  const tags = model.getMetadata('tags');
  return Array.isArray(tags) ? (tags as string[]).filter(t => typeof t === 'string') : [];
}

function activeMarking(tracker: INotebookTracker) {
  const cell = tracker.activeCell;
  return cell ? markingOf(tagsOf(cell.model)) : null;
}

/** Edit one cell's tags; an edit that changes nothing does not touch the model. */
export function editCell(model: ICellModel, edit: (tags: string[]) => string[]): void {
  const before = tagsOf(model);
  const after = edit(before);
  if (sameTags(before, after)) {
    return;
  }
  if (after.length) {
    model.setMetadata('tags', after);
  } else {
    model.deleteMetadata('tags');
  }
}

/** Edit the tags of every selected code cell, as one undoable step. */
function editSelected(tracker: INotebookTracker, edit: (tags: string[]) => string[]): void {
  const notebook = tracker.currentWidget?.content;
  if (!notebook?.model) {
    return;
  }
  const cells = notebook.widgets.filter(
    cell => notebook.isSelectedOrActive(cell) && cell.model.type === 'code'
  );
  notebook.model.sharedModel.transact(() => {
    for (const cell of cells) {
      editCell(cell.model, edit);
    }
  });
}

async function saveIfDirty(session: NotebookSession): Promise<void> {
  const context = session.panel.context;
  if (context.model.dirty && !context.model.readOnly) {
    await context.save();
  }
}

async function buildCurrent(ctx: ICommandContext): Promise<void> {
  const session = ctx.session(ctx.tracker.currentWidget?.content ?? null);
  if (session) {
    ctx.showPanel();
    await buildSession(ctx, session);
  }
}

async function buildSession(ctx: ICommandContext, session: NotebookSession): Promise<void> {
  const settings = ctx.settings();
  await session.model.build(async () => {
    await saveIfDirty(session);
    const body: api.IBuildBody = { path: session.path };
    if (settings.outputDir) {
      body.out_dir = settings.outputDir;
    }
    if (settings.packageName) {
      body.name = settings.packageName;
    }
    return api.build(body);
  });
  // With live signatures off, a build is one of the moments the badges catch up.
  void session.model.analyzeNow();
}

/** The open preview tab of each notebook: a second click refreshes it instead of adding one. */
const previews = new WeakMap<NotebookSession, MainAreaWidget<Widget>>();

async function previewCurrent(ctx: ICommandContext): Promise<void> {
  const session = ctx.session(ctx.tracker.currentWidget?.content ?? null);
  if (session) {
    await previewSession(ctx, session);
  }
}

async function previewSession(ctx: ICommandContext, session: NotebookSession): Promise<void> {
  try {
    let widget = previews.get(session);
    if (!widget || widget.isDisposed) {
      widget = openPreview(ctx, session);
    }
    await refreshPreview(ctx, session, widget);
    ctx.app.shell.activateById(widget.id);
  } catch (error) {
    await showErrorMessage('Preview generated module', String(error), [Dialog.okButton()]);
  }
}

/**
 * A new preview tab of the notebook as the editor holds it: it refreshes after each analysis
 * of an edit (unsaved edits included), until it is closed.
 */
function openPreview(ctx: ICommandContext, session: NotebookSession): MainAreaWidget<Widget> {
  const content = new Widget();
  content.addClass('nb2pkg-Preview');
  const widget = new MainAreaWidget({ content });
  widget.id = `nb2pkg-preview-${++previewCount}`;
  widget.title.label = 'Package (preview)';
  widget.title.icon = packageIcon;
  widget.title.closable = true;
  previews.set(session, widget);
  // One refresh at a time; edits meanwhile give one more when it ends.
  let shown = session.model.analysis;
  let refreshing = false;
  let again = false;
  const onAnalysis = async () => {
    const analysis = session.model.analysis;
    if (widget.isDisposed || analysis === shown) {
      return;
    }
    if (refreshing) {
      again = true;
      return;
    }
    shown = analysis;
    refreshing = true;
    try {
      await refreshPreview(ctx, session, widget);
    } catch (reason) {
      console.error('nb2pkg: cannot refresh the preview', reason);
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void onAnalysis();
      }
    }
  };
  const onChanged = () => void onAnalysis();
  session.model.changed.connect(onChanged);
  widget.disposed.connect(() => {
    session.model.changed.disconnect(onChanged);
    previews.delete(session);
  });
  session.panel.disposed.connect(() => widget.dispose());
  ctx.app.shell.add(widget, 'main', { mode: 'split-right' });
  return widget;
}
let previewCount = 0;

async function refreshPreview(
  ctx: ICommandContext,
  session: NotebookSession,
  widget: MainAreaWidget<Widget>
): Promise<void> {
  // The notebook as the editor holds it: the preview shows unsaved edits too.
  const result = await api.preview({
    ...session.packageBody(),
    notebook: session.analyzeBody().notebook
  });
  if (widget.isDisposed) {
    return;
  }
  const content = widget.content;
  content.node.replaceChildren();
  if (!result.ok) {
    const list = document.createElement('ul');
    for (const d of result.diagnostics) {
      const item = document.createElement('li');
      item.textContent = `${d.severity} ${d.code} ${d.where ?? ''}: ${d.message}`;
      list.appendChild(item);
    }
    content.node.append('The module cannot be generated:', list);
  }
  for (const file of result.files) {
    const title = document.createElement('h3');
    title.textContent = file.path;
    const code = document.createElement('pre');
    code.textContent = file.content;
    content.node.append(title, code);
  }
  widget.title.label = `${result.package || 'package'} (preview)`;
  widget.title.caption = `What a build of ${session.path} as edited writes (follows the edits)`;
}
