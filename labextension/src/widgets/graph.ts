/**
 * The step graph as an SVG: one box per step, in layers by depth (a step sits below every
 * step it reads from), lines from producer to reader. A box is a button: click or Enter
 * selects the step's cell; its tooltip lists inputs, run() parameters and outputs.
 */
import { IGraphEdge, IGraphNode } from '../graph';

const SVG = 'http://www.w3.org/2000/svg';
const BOX_W = 120;
const BOX_H = 26;
const GAP_X = 16;
const GAP_Y = 30;
const PAD = 4;

export function renderStepGraph(
  nodes: readonly IGraphNode[],
  edges: readonly IGraphEdge[],
  select: (node: IGraphNode) => void
): SVGSVGElement {
  const layers = new Map<number, IGraphNode[]>();
  for (const node of nodes) {
    layers.set(node.depth, [...(layers.get(node.depth) ?? []), node]);
  }
  const place = new Map<string, { x: number; y: number }>();
  let widest = 1;
  for (const [depth, layer] of layers) {
    widest = Math.max(widest, layer.length);
    layer.forEach((node, index) => {
      place.set(node.name, { x: PAD + index * (BOX_W + GAP_X), y: PAD + depth * (BOX_H + GAP_Y) });
    });
  }
  const width = PAD * 2 + widest * BOX_W + (widest - 1) * GAP_X;
  const height = PAD * 2 + layers.size * BOX_H + Math.max(0, layers.size - 1) * GAP_Y;
  const svg = document.createElementNS(SVG, 'svg');
  svg.classList.add('nb2pkg-Graph');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'group');
  svg.setAttribute('aria-label', 'Step graph');
  for (const edge of edges) {
    const from = place.get(edge.from);
    const to = place.get(edge.to);
    if (!from || !to) {
      continue;
    }
    const line = document.createElementNS(SVG, 'line');
    line.classList.add('nb2pkg-Graph-edge');
    line.setAttribute('x1', String(from.x + BOX_W / 2));
    line.setAttribute('y1', String(from.y + BOX_H));
    line.setAttribute('x2', String(to.x + BOX_W / 2));
    line.setAttribute('y2', String(to.y));
    line.dataset.from = edge.from;
    line.dataset.to = edge.to;
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${edge.from} → ${edge.to}: ${edge.names.join(', ')}`;
    line.appendChild(title);
    svg.appendChild(line);
  }
  for (const node of nodes) {
    const at = place.get(node.name)!;
    const group = document.createElementNS(SVG, 'g');
    group.classList.add('nb2pkg-Graph-node');
    group.dataset.step = node.name;
    group.setAttribute('tabindex', '0');
    group.setAttribute('role', 'button');
    group.setAttribute('transform', `translate(${at.x}, ${at.y})`);
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('width', String(BOX_W));
    rect.setAttribute('height', String(BOX_H));
    rect.setAttribute('rx', '4');
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', String(BOX_W / 2));
    label.setAttribute('y', String(BOX_H / 2 + 4));
    label.setAttribute('text-anchor', 'middle');
    label.textContent = node.name.length > 16 ? `${node.name.slice(0, 15)}…` : node.name;
    const title = document.createElementNS(SVG, 'title');
    title.textContent = describe(node);
    group.setAttribute('aria-label', describe(node));
    group.append(title, rect, label);
    group.addEventListener('click', () => select(node));
    group.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        select(node);
      }
    });
    svg.appendChild(group);
  }
  return svg;
}

function describe(node: IGraphNode): string {
  const parts = [`${node.name} (cell ${node.number})`];
  if (node.inputs.length) {
    parts.push(`reads ${node.inputs.map(i => `${i.name} from ${i.from}`).join(', ')}`);
  }
  if (node.params.length) {
    parts.push(`parameters ${node.params.join(', ')}`);
  }
  if (node.outputs.length) {
    parts.push(`outputs ${node.outputs.join(', ')}`);
  }
  return parts.join('; ');
}
