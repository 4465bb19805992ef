/**
 * nb2pkg for JupyterLab and Notebook 7: cell marking commands, live badges
 * with each marked cell's signature, and the Package side panel.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, Notebook, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { addCommands, ISessionActions, packageIcon } from './commands';
import { NotebookSession } from './session';
import { DEFAULT_SETTINGS, ISettings, PLUGIN_ID } from './tokens';
import { PackagePanel } from './widgets/panel';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Mark notebook cells for nb2pkg, see their signatures, build the package.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null
  ) => {
    let settings: ISettings = { ...DEFAULT_SETTINGS };
    let settingsRead = settingRegistry === null;
    const getSettings = () => settings;
    const sessions = new Map<Notebook, NotebookSession>();

    // The panel's buttons run what addCommands (below) returns, for the panel's notebook.
    const actions: Partial<ISessionActions> = {};
    const panel = new PackagePanel({
      jumpToCell: (session, cellId, cellNumber) =>
        jumpToCell(app, session.panel, cellId, cellNumber),
      build: session => void actions.build?.(session),
      preview: session => void actions.preview?.(session)
    });
    panel.title.icon = packageIcon;
    app.shell.add(panel, 'right', { rank: 650 });
    restorer?.add(panel, panel.id);

    const showPanel = () => {
      panel.session = sessions.get(tracker.currentWidget?.content as Notebook) ?? null;
      app.shell.activateById(panel.id);
    };

    // The panel opens beside the first notebook (setting openPanelWithNotebook), once the
    // layout is restored and the settings are read; the notebook keeps the focus.
    let openedWithNotebook = false;
    const openWithNotebook = () => {
      const notebookPanel = tracker.currentWidget;
      if (openedWithNotebook || !settingsRead || !notebookPanel) {
        return;
      }
      openedWithNotebook = true;
      // In a narrow window the panel would squeeze the notebook: it opens on demand there.
      const roomy = window.innerWidth >= MIN_WIDTH_TO_OPEN_WITH_NOTEBOOK;
      if (settings.openPanelWithNotebook && roomy && !panel.isVisible) {
        app.shell.activateById(panel.id);
        app.shell.activateById(notebookPanel.id);
      }
    };

    tracker.widgetAdded.connect((_, notebookPanel) => {
      const session = new NotebookSession(notebookPanel, getSettings);
      sessions.set(notebookPanel.content, session);
      notebookPanel.disposed.connect(() => {
        sessions.delete(notebookPanel.content);
        if (panel.session === session) {
          panel.session = null;
        }
      });
      if (tracker.currentWidget === notebookPanel) {
        panel.session = session;
      }
      void Promise.all([app.restored, notebookPanel.context.ready]).then(openWithNotebook);
    });
    tracker.currentChanged.connect((_, current) => {
      if (current) {
        panel.session = sessions.get(current.content) ?? null;
      }
    });

    // JupyterLab's tag editor can add a tag without any model event (see tagsMayHaveChanged):
    // after each click or key in it, the active notebook re-reads its tags.
    const afterTagEditor = (event: Event) => {
      if ((event.target as Element | null)?.closest?.('.jp-CellTags')) {
        setTimeout(() => {
          const notebook = tracker.currentWidget?.content;
          (notebook ? sessions.get(notebook) : undefined)?.tagsMayHaveChanged();
        }, 0);
      }
    };
    document.addEventListener('mousedown', afterTagEditor, true);
    document.addEventListener('keydown', afterTagEditor, true);
    document.addEventListener('click', afterTagEditor, true);

    const commandActions = addCommands({
      app,
      tracker,
      palette,
      settings: getSettings,
      session: notebook => (notebook ? (sessions.get(notebook) ?? null) : null),
      showPanel
    });
    Object.assign(actions, commandActions);

    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          const read = () => {
            settings = { ...DEFAULT_SETTINGS, ...(loaded.composite as Partial<ISettings>) };
            sessions.forEach(session => session.settingsChanged());
          };
          read();
          loaded.changed.connect(read);
        })
        .catch(reason => console.error('nb2pkg: cannot load settings', reason))
        .then(() => {
          settingsRead = true;
          void app.restored.then(openWithNotebook);
        });
    }
  }
};

/** Narrowest window (CSS pixels) in which the panel opens beside the first notebook. */
const MIN_WIDTH_TO_OPEN_WITH_NOTEBOOK = 1000;

/** Select the cell (by id, else by its 1-based number) and scroll it into view. */
function jumpToCell(
  app: JupyterFrontEnd,
  notebookPanel: NotebookPanel,
  cellId: string | null,
  cellNumber: number | null
): void {
  const notebook = notebookPanel.content;
  let index = cellId ? notebook.widgets.findIndex(cell => cell.model.id === cellId) : -1;
  if (index < 0 && cellNumber !== null) {
    index = cellNumber - 1;
  }
  if (index < 0 || index >= notebook.widgets.length) {
    return;
  }
  app.shell.activateById(notebookPanel.id);
  notebook.mode = 'command';
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  void notebook.scrollToItem(index, 'center');
}

export default plugin;
