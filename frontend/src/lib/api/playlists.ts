/**
 * Playlists through Spotify's own endpoints (the same calls third-party clients
 * make), plus playdeck's project API under `/api` for what Spotify lacks:
 * version history, restore, the audit trail and custom tracks.
 */
import { api, request } from './client';
import type { Paging, Playlist, PlaylistItem, PlaylistSimplified } from './spotify';

export const MAX_ITEMS = 10_000;
const PAGE = 100;

export interface PlaylistDetails {
	name?: string;
	description?: string;
	public?: boolean;
	collaborative?: boolean;
}

export interface Snapshot {
	snapshot_id: string;
}

/** One version of a playlist (a snapshot) in its history. */
export interface PlaylistVersion {
	version: number;
	snapshot_id: string;
	created_at: string;
	user_id: string | null;
	client_id: string | null;
	operation: string;
	length: number;
	details?: Record<string, unknown>;
}

export interface DiffEntry {
	uri: string;
	position: number;
	name?: string | null;
}

export interface PlaylistDiff {
	from_snapshot_id: string;
	to_snapshot_id: string;
	added: DiffEntry[];
	removed: DiffEntry[];
	moved?: { uri: string; from: number; to: number }[];
}

export interface AuditEntry {
	id: number;
	at: string;
	user_id: string | null;
	client_id: string | null;
	as_admin?: boolean;
	operation: string;
	object_type: string;
	object_id: string;
	params: Record<string, unknown>;
	snapshot_before: string | null;
	snapshot_after: string | null;
}

export interface CustomTrack {
	id: string;
	name: string;
	artist: string;
	album: string;
	duration_ms: number;
	isrc: string | null;
	uri: string;
	created_at?: string;
	updated_at?: string;
}

export interface CustomTrackInput {
	song_name: string;
	artist: string;
	/** "4:11", "4M 11S" or milliseconds. */
	duration: string | number;
	album?: string;
	isrc?: string;
}

const enc = encodeURIComponent;

/** Python's `quote_plus(s, safe="")`, as the server encodes local URIs. */
function quotePlus(s: string): string {
	return encodeURIComponent(s)
		.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
		.replace(/%20/g, '+');
}

/** `spotify:local:artist:album:title:seconds`: how a custom track sits in a playlist. */
export function localUri(t: { artist: string; album: string; name: string; duration_ms: number }): string {
	return `spotify:local:${quotePlus(t.artist)}:${quotePlus(t.album)}:${quotePlus(t.name)}:${Math.floor(t.duration_ms / 1000)}`;
}

export const playlists = {
	mine: (offset = 0, limit = 50) =>
		api.get<Paging<PlaylistSimplified>>('/v1/me/playlists', { offset, limit }),
	create: (details: PlaylistDetails & { name: string }) =>
		api.post<Playlist>('/v1/me/playlists', details),
	get: (id: string, signal?: AbortSignal) =>
		api.get<Playlist>(`/v1/playlists/${enc(id)}`, { fields: undefined }, signal),
	update: (id: string, details: PlaylistDetails) => api.put<void>(`/v1/playlists/${enc(id)}`, details),
	setCover: (id: string, base64Jpeg: string) =>
		request<void>('PUT', `/v1/playlists/${enc(id)}/images`, {
			raw: { body: base64Jpeg, contentType: 'image/jpeg' }
		}),
	itemsPage: (id: string, offset: number, limit = PAGE, signal?: AbortSignal) =>
		api.get<Paging<PlaylistItem>>(`/v1/playlists/${enc(id)}/tracks`, { offset, limit }, signal),

	/** Every item (up to 10,000): the first page, then the rest a few pages at a time. */
	async allItems(id: string, signal?: AbortSignal, onProgress?: (n: number, total: number) => void) {
		const first = await playlists.itemsPage(id, 0, PAGE, signal);
		const items: PlaylistItem[] = [...first.items];
		onProgress?.(items.length, first.total);
		const offsets: number[] = [];
		for (let o = PAGE; o < first.total; o += PAGE) offsets.push(o);
		const CONCURRENCY = 6;
		const pages: PlaylistItem[][] = [];
		for (let i = 0; i < offsets.length; i += CONCURRENCY) {
			const batch = offsets.slice(i, i + CONCURRENCY);
			const results = await Promise.all(batch.map((o) => playlists.itemsPage(id, o, PAGE, signal)));
			results.forEach((r, j) => (pages[i + j] = r.items));
			onProgress?.(Math.min(first.total, PAGE * (i + batch.length + 1)), first.total);
		}
		for (const p of pages) items.push(...p);
		return items;
	},

	add: (id: string, uris: string[], position?: number) =>
		api.post<Snapshot>(`/v1/playlists/${enc(id)}/tracks`, { uris, position }),
	reorder: (id: string, rangeStart: number, insertBefore: number, rangeLength = 1, snapshotId?: string) =>
		api.put<Snapshot>(`/v1/playlists/${enc(id)}/tracks`, {
			range_start: rangeStart,
			insert_before: insertBefore,
			range_length: rangeLength,
			snapshot_id: snapshotId
		}),
	remove: (id: string, tracks: { uri: string; positions: number[] }[], snapshotId?: string) =>
		api.delete<Snapshot>(`/v1/playlists/${enc(id)}/tracks`, { tracks, snapshot_id: snapshotId }),

	// playdeck's project API: history, restore, audit.
	versions: (id: string, signal?: AbortSignal) =>
		api.get<{ items: PlaylistVersion[] }>(`/api/playlists/${enc(id)}/versions`, { limit: 50 }, signal),
	diff: (id: string, from: string, to: string, signal?: AbortSignal) =>
		api.get<PlaylistDiff>(`/api/playlists/${enc(id)}/diff`, { from, to }, signal),
	restore: (id: string, snapshotId: string) =>
		api.post<Snapshot>(`/api/playlists/${enc(id)}/restore`, { snapshot_id: snapshotId }),
	audit: (id: string, signal?: AbortSignal) =>
		api.get<{ items: AuditEntry[] }>('/api/audit', { playlist_id: id, limit: 50 }, signal)
};

export const customTracks = {
	list: (signal?: AbortSignal) =>
		api.get<{ items: CustomTrack[] } | CustomTrack[]>('/api/custom-tracks', { limit: 100 }, signal).then(
			(r) => (Array.isArray(r) ? r : r.items)
		),
	create: (input: CustomTrackInput) => api.post<CustomTrack>('/api/custom-tracks', input),
	update: (id: string, input: Partial<CustomTrackInput>) =>
		api.put<CustomTrack>(`/api/custom-tracks/${enc(id)}`, input),
	remove: (id: string) => api.delete<void>(`/api/custom-tracks/${enc(id)}`)
};
