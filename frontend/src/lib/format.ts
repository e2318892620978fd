/** Display helpers shared by every page. */
import type { Image, SimplifiedArtist } from './api/spotify';

/** 251000 → "4:11"; an hour or more → "1:02:03". */
export function formatDuration(ms: number): string {
	const total = Math.max(0, Math.round(ms / 1000));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const ss = String(s).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A playlist's length in words: "1 hr 5 min", "42 min", "35 sec". */
export function formatTotal(ms: number): string {
	const total = Math.round(ms / 1000);
	if (total < 60) return `${total} sec`;
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	return h > 0 ? `${h} hr ${m} min` : `${m} min`;
}

const numberFormat = new Intl.NumberFormat('en');
export function formatNumber(n: number): string {
	return numberFormat.format(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
	return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** "2019-03-01" with its precision → "1 March 2019", "March 2019" or "2019". */
export function formatReleaseDate(date: string, precision: 'year' | 'month' | 'day' = 'day'): string {
	const [y, m, d] = date.split('-').map(Number);
	if (!y) return date;
	if (precision === 'year' || !m) return String(y);
	const month = new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en', {
		month: 'long',
		timeZone: 'UTC'
	});
	if (precision === 'month' || !d) return `${month} ${y}`;
	return `${d} ${month} ${y}`;
}

export function releaseYear(date: string): string {
	return date.slice(0, 4);
}

export function artistNames(artists: SimplifiedArtist[] | undefined): string {
	return (artists ?? []).map((a) => a.name).join(', ');
}

/** The image closest to `size` pixels wide (Spotify lists them largest first). */
export function pickImage(images: Image[] | null | undefined, size = 300): string | null {
	if (!images?.length) return null;
	const sorted = [...images].sort((a, b) => (a.width ?? 0) - (b.width ?? 0));
	return (sorted.find((i) => (i.width ?? 0) >= size) ?? sorted[sorted.length - 1])?.url ?? null;
}

export function formatDateTime(iso: string | null | undefined): string {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return d.toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string | null | undefined): string {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return d.toLocaleDateString('en', { dateStyle: 'medium' });
}

/** Positions whose key appears more than once (e.g. the same track twice in a playlist). */
export function duplicatePositions(keys: (string | null | undefined)[]): Set<number> {
	const seen = new Map<string, number[]>();
	keys.forEach((k, i) => {
		if (!k) return;
		const list = seen.get(k);
		if (list) list.push(i);
		else seen.set(k, [i]);
	});
	const out = new Set<number>();
	for (const list of seen.values()) if (list.length > 1) for (const i of list) out.add(i);
	return out;
}

/** The id in a Spotify URI or URL ("spotify:track:ID" → "ID"). */
export function idFromUri(uri: string): string {
	return uri.split(':').pop() ?? uri;
}

/** "4:11", "4M 11S" or milliseconds, as the API accepts; null when unreadable. */
export function parseDuration(value: string): number | null {
	const v = value.trim();
	if (/^\d+$/.test(v)) return Number(v);
	let m = /^(\d+):([0-5]?\d)$/.exec(v);
	if (m) return (Number(m[1]) * 60 + Number(m[2])) * 1000;
	m = /^(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$/i.exec(v);
	if (m && (m[1] || m[2])) return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000;
	return null;
}
