/**
 * The contract of the extension: command ids, the JSON the server answers
 * with (nb2pkg.frontends.api's documented shapes), and the settings.
 */

export const PLUGIN_ID = 'nb2pkg:plugin';

export namespace CommandIDs {
  export const markFunction = 'nb2pkg:mark-function';
  export const markTest = 'nb2pkg:mark-test';
  export const markParameters = 'nb2pkg:mark-parameters';
  export const markMetrics = 'nb2pkg:mark-metrics';
  export const markExport = 'nb2pkg:mark-export';
  export const markSkip = 'nb2pkg:mark-skip';
  export const clearMarks = 'nb2pkg:clear-marks';
  export const build = 'nb2pkg:build';
  export const preview = 'nb2pkg:preview-module';
  export const openPanel = 'nb2pkg:open-panel';
  export const runPipeline = 'nb2pkg:run-pipeline';
}

export type Severity = 'error' | 'warning' | 'info';

export interface ILocation {
  notebook: string;
  cell_number: number | null;
  cell_id: string | null;
  line: number | null;
  col: number | null;
}

export interface IDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  location: ILocation | null;
  where: string | null;
  hint: string;
  source_line: string | null;
}

export interface IParam {
  name: string;
  source: string;
  default: string | null;
}

export interface ICellPlan {
  cell_id: string;
  number: number;
  /** The cells of a multi-cell function, first to last (empty for a one-cell step). */
  parts?: { number: number; cell_id: string }[];
  role: string;
  name: string | null;
  module: string | null;
  metrics: boolean;
  signature: string | null;
  params: IParam[];
  returns: string[];
  mutates: string[];
}

export interface IAnalysis {
  notebook: string;
  package: string;
  module: string;
  cells: ICellPlan[];
  functions: { name: string; cell_id: string; number: number; signature: string }[];
  tests: { name: string; cell_id: string; number: number }[];
  parameters: { name: string; default: string | null; annotation: string | null }[];
  diagnostics: IDiagnostic[];
  /** Added by the extension: each cell's tags as sent for this analysis, by cell id. */
  seen_tags?: { [cellId: string]: string[] };
}

export interface IBuildResult {
  ok: boolean;
  up_to_date: boolean;
  out_dir: string;
  package: string;
  version: string | null;
  previous_version: string | null;
  bump: string | null;
  changes: string[];
  changed_files: string[];
  diagnostics: IDiagnostic[];
}

export interface IPreview {
  ok: boolean;
  package: string;
  files: { path: string; content: string }[];
  diagnostics: IDiagnostic[];
}

/** One cell's proposed marking (nb2pkg.plan.automark.propose, as `nb2pkg tag --auto`). */
export interface ICellProposal {
  index: number;
  cell_id: string;
  /** The cell's whole tag list after the proposal. */
  tags: string[];
  /** The tag added, or null when the cell stays as it is. */
  role_tag: string | null;
  reason: string;
}

export interface IProposal {
  notebook: string;
  cells: ICellProposal[];
  diagnostics: IDiagnostic[];
}

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'refused' | 'lost';

/** A pipeline run (nb2pkg/frontends/server/pipeline_runs.py PipelineRun.to_json). */
export interface IRunState {
  id: string;
  package: string;
  out_dir: string;
  status: RunStatus;
  steps: {
    name: string;
    cell_id: string | null;
    status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
    seconds?: number;
  }[];
  outputs: { [name: string]: string };
  metrics: { [name: string]: number };
  error: { step: string | null; cell_id: string | null; message: string } | null;
  log: string[];
  seconds: number;
  diagnostics?: IDiagnostic[];
}

/** One MLflow run of the package (nb2pkg/frontends/server/runs_reader.py). */
export interface ITrackedRun {
  id: string;
  name: string | null;
  status: string;
  version: string | null;
  start_time: number;
  seconds: number | null;
  params: { [name: string]: string };
  metrics: { [name: string]: number };
  failed_step: string | null;
}

/** How to open MLflow's UI on the package's runs (nb2pkg/frontends/server/mlflow_ui.py). */
export interface IMlflowUi {
  /** Whether the Jupyter server's environment has MLflow. */
  installed: boolean;
  /** The command that serves the package's store, to run in a terminal in the server's root. */
  command: string | null;
  /** Where the command's UI answers. */
  url: string | null;
  note: string;
}

export interface ITrackedRuns {
  runs: ITrackedRun[];
  /** Where they were read: the store file (root-relative), `$MLFLOW_TRACKING_URI`, or null. */
  store: string | null;
  diagnostics: IDiagnostic[];
  mlflow_ui?: IMlflowUi;
}

/** The user's settings (schema/plugin.json). */
export interface ISettings {
  outputDir: string;
  packageName: string;
  livePreview: boolean;
  debounceMs: number;
  openPanelWithNotebook: boolean;
}

export const DEFAULT_SETTINGS: ISettings = {
  outputDir: '',
  packageName: '',
  livePreview: true,
  debounceMs: 50,
  openPanelWithNotebook: true
};
