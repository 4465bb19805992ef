/**
 * The proposed marking of a notebook (`nb2pkg tag --auto`, from POST /nb2pkg/propose) as the
 * panel and the cells show it, and the tag edits that accept it. Pure functions over tag
 * lists: no @jupyterlab import, so plain ts-jest tests this module.
 */
import { markingOf, sameTags } from './tagging';
import { ICellProposal, IProposal } from './tokens';

/**
 * The proposals still open: a tag to add, for a cell that is still in the notebook and has
 * no role yet (a cell marked since the proposal keeps its marking).
 */
export function openProposals(
  proposal: IProposal | null,
  tagsOf: (cellId: string) => readonly string[] | undefined
): ICellProposal[] {
  return (proposal?.cells ?? []).filter(cell => {
    if (cell.role_tag === null) {
      return false;
    }
    const tags = tagsOf(cell.cell_id);
    return tags !== undefined && markingOf(tags).role === null;
  });
}

/** The cell's tags once the proposal is accepted: its own tags, then the proposed one. */
export function acceptedTags(tags: readonly string[], roleTag: string): string[] {
  return tags.includes(roleTag) ? [...tags] : [...tags, roleTag];
}

/** One accepted cell: its tags before and after, so the acceptance can be undone. */
export interface IAcceptedCell {
  cellId: string;
  before: string[];
  after: string[];
}

/**
 * The edits that undo an acceptance: each cell goes back to its tags from before, unless
 * its tags were edited since (that later edit is the user's and stays).
 */
export function undoEdits(
  accepted: readonly IAcceptedCell[],
  tagsOf: (cellId: string) => readonly string[] | undefined
): { cellId: string; tags: string[] }[] {
  return accepted
    .filter(cell => {
      const now = tagsOf(cell.cellId);
      return now !== undefined && sameTags(now, cell.after);
    })
    .map(cell => ({ cellId: cell.cellId, tags: cell.before }));
}
