import { describe, expect, it } from 'vitest';
import {
	duplicatePositions,
	formatDuration,
	formatReleaseDate,
	formatTotal,
	parseDuration,
	pickImage
} from './format';

describe('format', () => {
	it('formats durations like a player', () => {
		expect(formatDuration(251_000)).toBe('4:11');
		expect(formatDuration(5_000)).toBe('0:05');
		expect(formatDuration(3_723_000)).toBe('1:02:03');
	});
	it('formats a total in words', () => {
		expect(formatTotal(35_000)).toBe('35 sec');
		expect(formatTotal(42 * 60_000)).toBe('42 min');
		expect(formatTotal(65 * 60_000)).toBe('1 hr 5 min');
	});
	it('honours the release date precision', () => {
		expect(formatReleaseDate('1991-09-24', 'day')).toBe('24 September 1991');
		expect(formatReleaseDate('1991-09', 'month')).toBe('September 1991');
		expect(formatReleaseDate('1991', 'year')).toBe('1991');
	});
	it('flags every position of a duplicate', () => {
		expect([...duplicatePositions(['a', 'b', 'a', 'c', 'b', null, null])].sort()).toEqual([0, 1, 2, 4]);
	});
	it('picks the smallest image that is large enough', () => {
		const images = [
			{ url: 'l', width: 640, height: 640 },
			{ url: 'm', width: 300, height: 300 },
			{ url: 's', width: 64, height: 64 }
		];
		expect(pickImage(images, 200)).toBe('m');
		expect(pickImage(images, 1000)).toBe('l');
		expect(pickImage([], 100)).toBeNull();
	});
	it('reads durations the way the custom track API accepts them', () => {
		expect(parseDuration('4:11')).toBe(251_000);
		expect(parseDuration('4M 11S')).toBe(251_000);
		expect(parseDuration('251000')).toBe(251_000);
		expect(parseDuration('45s')).toBe(45_000);
		expect(parseDuration('four')).toBeNull();
	});
});
