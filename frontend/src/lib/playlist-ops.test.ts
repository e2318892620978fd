import { describe, expect, it } from 'vitest';
import { insertAt, moveRange, moveSelection, planReorders, removeAt } from './playlist-ops';

const L = ['a', 'b', 'c', 'd', 'e'];

describe('moveRange (Spotify reorder semantics)', () => {
	it('moves an item forward: before counts positions before the move', () => {
		expect(moveRange(L, 0, 1, 3)).toEqual(['b', 'c', 'a', 'd', 'e']);
	});
	it('moves an item backward', () => {
		expect(moveRange(L, 3, 1, 1)).toEqual(['a', 'd', 'b', 'c', 'e']);
	});
	it('matches the examples in Spotify documentation', () => {
		// Move the first item to the end (insert_before = length).
		expect(moveRange(L, 0, 1, 5)).toEqual(['b', 'c', 'd', 'e', 'a']);
		// Move items 2-3 before the first.
		expect(moveRange(L, 2, 2, 0)).toEqual(['c', 'd', 'a', 'b', 'e']);
	});
	it('is a no-op when the range is moved onto itself', () => {
		expect(moveRange(L, 1, 2, 2)).toEqual(L);
		expect(moveRange(L, 1, 2, 3)).toEqual(L);
	});
});

describe('removeAt / insertAt', () => {
	it('removes by position, keeping duplicates elsewhere', () => {
		expect(removeAt(['a', 'b', 'a'], [2])).toEqual(['a', 'b']);
	});
	it('inserts before a position or at the end', () => {
		expect(insertAt(['a', 'b'], 1, ['x'])).toEqual(['a', 'x', 'b']);
		expect(insertAt(['a', 'b'], 2, ['x', 'y'])).toEqual(['a', 'b', 'x', 'y']);
	});
});

describe('moveSelection + planReorders', () => {
	it('moves a non-contiguous selection to the top', () => {
		expect(moveSelection(L, [1, 3], 0)).toEqual(['b', 'd', 'a', 'c', 'e']);
	});
	it('moves a selection to the end', () => {
		expect(moveSelection(L, [0, 2], 5)).toEqual(['b', 'd', 'e', 'a', 'c']);
	});
	it('plans reorders that reproduce any target order', () => {
		const cases: [string[], string[]][] = [
			[L, ['b', 'd', 'a', 'c', 'e']],
			[L, ['e', 'd', 'c', 'b', 'a']],
			[L, ['b', 'c', 'd', 'e', 'a']],
			[L, L]
		];
		for (const [from, to] of cases) {
			let list = [...from];
			for (const op of planReorders(from, to)) list = moveRange(list, op.start, op.length, op.before);
			expect(list).toEqual(to);
		}
	});
	it('moves a contiguous block in one call', () => {
		expect(planReorders(L, ['c', 'd', 'a', 'b', 'e'])).toHaveLength(1);
	});
});
