import { acceptedTags, openProposals, undoEdits } from '../proposal';
import { ICellProposal, IProposal } from '../tokens';

function cell(cellId: string, roleTag: string | null, index = 0): ICellProposal {
  return { index, cell_id: cellId, tags: roleTag ? [roleTag] : [], role_tag: roleTag, reason: 'r' };
}

const proposal: IProposal = {
  notebook: 'nb.ipynb',
  cells: [cell('imports', null, 0), cell('load', 'function:load', 1), cell('p', 'parameters', 2)],
  diagnostics: []
};

describe('proposed marking', () => {
  it('leaves out cells with nothing to add, cells marked since, and deleted cells', () => {
    const tags: { [id: string]: string[] } = { imports: [], load: ['nbval-skip'], p: [] };
    const ids = () => openProposals(proposal, id => tags[id]).map(c => c.cell_id);
    expect(ids()).toEqual(['load', 'p']);
    tags.p = ['export'];
    expect(ids()).toEqual(['load']);
    delete tags.load;
    expect(ids()).toEqual([]);
    expect(openProposals(null, () => [])).toEqual([]);
  });

  it("adds the proposed tag after the cell's own tags, once", () => {
    expect(acceptedTags(['nbval-skip'], 'function:load')).toEqual(['nbval-skip', 'function:load']);
    expect(acceptedTags(['function:load'], 'function:load')).toEqual(['function:load']);
  });

  it('undoes an acceptance, except on cells edited since', () => {
    const accepted = [
      { cellId: 'a', before: [], after: ['function:a'] },
      { cellId: 'b', before: ['x'], after: ['x', 'parameters'] }
    ];
    const now: { [id: string]: string[] } = { a: ['function:a'], b: ['x', 'test'] };
    expect(undoEdits(accepted, id => now[id])).toEqual([{ cellId: 'a', tags: [] }]);
  });
});
