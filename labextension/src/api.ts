/**
 * The only HTTP path of the extension: POST JSON to /nb2pkg/<endpoint>.
 * Refusals come back from the server as JSON with a diagnostic code; they
 * become a typed `Nb2pkgRequestError`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IAnalysis,
  IBuildResult,
  IDiagnostic,
  IPreview,
  IProposal,
  IRunState,
  ITrackedRuns
} from './tokens';

export class Nb2pkgRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly diagnostics: IDiagnostic[]
  ) {
    super(message);
    this.name = 'Nb2pkgRequestError';
  }
}

/** The JSON body of a refused request (nb2pkg/frontends/server/handlers.py write_error). */
interface IRefusal {
  message?: string;
  code?: string;
  diagnostics?: IDiagnostic[];
}

export type Endpoint =
  | 'analyze'
  | 'build'
  | 'preview'
  | 'propose'
  | 'suggest-name'
  | 'run'
  | 'run/status'
  | 'run/cancel'
  | 'runs';

export async function requestAPI<T>(
  endpoint: Endpoint,
  body: object,
  signal?: AbortSignal,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, 'nb2pkg', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      url,
      { method: 'POST', body: JSON.stringify(body), signal },
      settings
    );
  } catch (error) {
    throw new Nb2pkgRequestError(
      `cannot reach the Jupyter server: ${String(error)}`,
      0,
      'NB806',
      []
    );
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const refusal = (data ?? {}) as IRefusal;
    const message =
      refusal.message ??
      (response.status === 404
        ? "the nb2pkg server extension is not enabled (is nb2pkg installed in the server's environment?)"
        : `the server answered ${response.status}`);
    throw new Nb2pkgRequestError(
      message,
      response.status,
      refusal.code ?? 'NB806',
      refusal.diagnostics ?? []
    );
  }
  return data as T;
}

export interface IAnalyzeBody {
  path: string;
  notebook?: object;
  /** Instead of `notebook`: the cells changed since an answered request (`deltas.ts`). */
  delta?: object;
  package?: string;
  /**
   * The request's number among its client's, in the order they are sent (just before
   * `client`): a request that arrives after a newer one of its client is dropped.
   */
  seq?: number;
  /** Who asks (one notebook panel): the server drops its older requests not yet started. */
  client?: string;
}

/** The code of an analyze request the server dropped for a newer one of the same client. */
export const SUPERSEDED = 'NB813';

/** Whether `error` is the server's answer to a request a newer one replaced (not a failure). */
export function isSuperseded(error: unknown): boolean {
  return error instanceof Nb2pkgRequestError && error.status === 409 && error.code === SUPERSEDED;
}

export interface IBuildBody {
  path: string;
  out_dir?: string;
  name?: string;
  bump?: string;
  force?: boolean;
}

export const analyze = (body: IAnalyzeBody, signal?: AbortSignal): Promise<IAnalysis> =>
  requestAPI<IAnalysis>('analyze', body, signal);
export const build = (body: IBuildBody): Promise<IBuildResult> =>
  requestAPI<IBuildResult>('build', body);
export interface IPreviewBody {
  path: string;
  out_dir?: string;
  name?: string;
}

export const preview = (body: IPreviewBody & { notebook?: object }): Promise<IPreview> =>
  requestAPI<IPreview>('preview', body);
export const propose = (body: { path: string; notebook?: object }): Promise<IProposal> =>
  requestAPI<IProposal>('propose', body);
/** The name `nb2pkg tag --as function` gives a cell ("" when there is none to give). */
export const suggestName = (body: {
  path: string;
  notebook?: object;
  cell_id: string;
}): Promise<{ name: string }> => requestAPI<{ name: string }>('suggest-name', body);
export const run = (body: IPreviewBody & { track?: boolean }): Promise<IRunState> =>
  requestAPI<IRunState>('run', body);
export const runStatus = (id: string): Promise<IRunState> =>
  requestAPI<IRunState>('run/status', { id });
export const cancelRun = (id: string): Promise<IRunState> =>
  requestAPI<IRunState>('run/cancel', { id });
export const trackedRuns = (body: IPreviewBody & { limit?: number }): Promise<ITrackedRuns> =>
  requestAPI<ITrackedRuns>('runs', body);
