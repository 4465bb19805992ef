/**
 * The step graph of the analysed notebook, from the server's plan: each function step, the
 * earlier steps whose outputs it reads, and the run() parameters it takes. A step reads a
 * value from the last step before it that returned it or changed it in place, as the
 * pipeline runs them (nb2pkg/emit/step_graph.py). No @jupyterlab import: ts-jest tests it.
 */
import { IAnalysis } from './tokens';

export interface IGraphNode {
  name: string;
  cellId: string;
  number: number;
  /** 0 for a step that reads no other step; else one more than its deepest producer. */
  depth: number;
  /** (argument, the step it comes from). */
  inputs: { name: string; from: string }[];
  params: string[];
  outputs: string[];
}

export interface IGraphEdge {
  from: string;
  to: string;
  names: string[];
}

export function stepGraph(analysis: IAnalysis): { nodes: IGraphNode[]; edges: IGraphEdge[] } {
  const runParams = new Set(analysis.parameters.map(p => p.name));
  const latest = new Map<string, string>();
  const depthOf = new Map<string, number>();
  const nodes: IGraphNode[] = [];
  const edges = new Map<string, IGraphEdge>();
  for (const cell of analysis.cells) {
    if (cell.role !== 'function' || !cell.name) {
      continue;
    }
    const inputs: { name: string; from: string }[] = [];
    const params: string[] = [];
    for (const param of cell.params) {
      const producer = latest.get(param.name);
      if (param.source === 'step' && producer !== undefined) {
        inputs.push({ name: param.name, from: producer });
      } else if (runParams.has(param.name)) {
        params.push(param.name);
      }
    }
    const outputs = [...cell.returns, ...cell.mutates.filter(n => !cell.returns.includes(n))];
    const depth = Math.max(-1, ...inputs.map(input => depthOf.get(input.from) ?? 0)) + 1;
    depthOf.set(cell.name, depth);
    for (const input of inputs) {
      const key = `${input.from}→${cell.name}`;
      const edge = edges.get(key) ?? { from: input.from, to: cell.name, names: [] };
      edge.names.push(input.name);
      edges.set(key, edge);
    }
    for (const name of outputs) {
      latest.set(name, cell.name);
    }
    nodes.push({
      name: cell.name,
      cellId: cell.cell_id,
      number: cell.number,
      depth,
      inputs,
      params,
      outputs
    });
  }
  return { nodes, edges: [...edges.values()] };
}
