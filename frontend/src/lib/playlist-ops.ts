/**
 * Local mirror of Spotify's playlist edits, so the editor updates at once and
 * sends the same operations third-party clients send. Pure functions.
 */

/** Spotify's reorder: move `length` items at `start` to before `before` (a position
 * in the list as it was before the move). */
export function moveRange<T>(list: readonly T[], start: number, length: number, before: number): T[] {
	if (length <= 0 || (before >= start && before <= start + length)) return [...list];
	const moving = list.slice(start, start + length);
	const rest = [...list.slice(0, start), ...list.slice(start + length)];
	const at = before > start ? before - length : before;
	return [...rest.slice(0, at), ...moving, ...rest.slice(at)];
}

/** Remove the items at `positions`. */
export function removeAt<T>(list: readonly T[], positions: Iterable<number>): T[] {
	const drop = new Set(positions);
	return list.filter((_, i) => !drop.has(i));
}

/** Insert `items` before `at` (`at === list.length` appends). */
export function insertAt<T>(list: readonly T[], at: number, items: readonly T[]): T[] {
	return [...list.slice(0, at), ...items, ...list.slice(at)];
}

/** The list with the items at `positions` (kept in order) moved to before gap `target`. */
export function moveSelection<T>(list: readonly T[], positions: Iterable<number>, target: number): T[] {
	const chosen = new Set(positions);
	const picked = list.filter((_, i) => chosen.has(i));
	const rest: T[] = [];
	let k = 0;
	list.forEach((item, i) => {
		if (chosen.has(i)) return;
		if (i < target) k++;
		rest.push(item);
	});
	return insertAt(rest, k, picked);
}

export interface Reorder {
	start: number;
	length: number;
	before: number;
}

/** Spotify reorders (applied in sequence) turning `current` into `target`: the same
 * keys in another order. Contiguous runs move together, so a block drag is one call. */
export function planReorders(current: readonly string[], target: readonly string[]): Reorder[] {
	const work = [...current];
	const ops: Reorder[] = [];
	for (let i = 0; i < target.length; i++) {
		if (work[i] === target[i]) continue;
		const j = work.indexOf(target[i] as string, i + 1);
		if (j < 0) throw new Error('planReorders: lists differ');
		let length = 1;
		while (
			i + length < target.length &&
			j + length < work.length &&
			work[j + length] === target[i + length]
		) {
			length++;
		}
		ops.push({ start: j, length, before: i });
		const moved = moveRange(work, j, length, i);
		work.splice(0, work.length, ...moved);
	}
	return ops;
}
