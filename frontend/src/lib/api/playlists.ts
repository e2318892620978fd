/**
 * Playlists through Spotify's own endpoints (the same calls third-party clients
 * make), plus playdeck's project API under `/api` for what Spotify lacks:
 * version history, restore, the audit trail and custom tracks.
 */
import { api, path, request } from './client';
import type { Paging, Playlist, PlaylistItem, PlaylistSimplified } from './spotify';

export const MAX_ITEMS = 10_000;
const DETAIL_FIELDS =
	'id,name,description,public,collaborative,images,owner,snapshot_id,followers,uri,type,tracks.total';
const PAGE = 100;
/** Only what the editor shows: a tenth of the full item objects (no markets). */
const ITEM_FIELDS =
	'items(added_at,added_by.id,is_local,track(id,name,uri,type,duration_ms,explicit,artists(id,name),album(id,name,images))),total';

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
	/** How many items the change touched. */
	changes: number;
	length: number;
	details?: Record<string, unknown>;
}

export interface PlaylistDiff {
	from: string;
	to: string;
	added: { uri: string; added_at: string; added_by: string | null }[];
	removed: { uri: string; position: number }[];
	details: Record<string, { from: unknown; to: unknown }>;
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

/** Python's `quote_plus(s, safe="")`, as the server encodes local URIs. */
function quotePlus(s: string): string {
	return encodeURIComponent(s)
		.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
		.replace(/%20/g, '+');
}

/** `spotify:local:artist:album:title:seconds`: how a custom track sits in a playlist. */
/** The title and artist inside a local URI (for display). */
export function parseLocalUri(uri: string): { artist: string; album: string; name: string } | null {
	const parts = uri.split(':');
	if (parts.length !== 6 || parts[1] !== 'local') return null;
	const dec = (x: string | undefined) => decodeURIComponent((x ?? '').replace(/\+/g, ' '));
	return { artist: dec(parts[2]), album: dec(parts[3]), name: dec(parts[4]) };
}

export function localUri(t: { artist: string; album: string; name: string; duration_ms: number }): string {
	return `spotify:local:${quotePlus(t.artist)}:${quotePlus(t.album)}:${quotePlus(t.name)}:${Math.floor(t.duration_ms / 1000)}`;
}

/** The classic items route (`/tracks`), which every Spotify client library uses. */
function tracksOf(id: string): string {
	return path('/v1/playlists/{playlist_id}/tracks', { playlist_id: id });
}

export const playlists = {
	mine: (offset = 0, limit = 50) =>
		api.get<Paging<PlaylistSimplified>>(path('/v1/me/playlists', {}), { offset, limit }),
	create: (details: PlaylistDetails & { name: string }) =>
		api.post<Playlist>(path('/v1/me/playlists', {}), details),
	/** The playlist's details (its items come from `allItems`). */
	get: (id: string, signal?: AbortSignal) =>
		api.get<Playlist>(
			path('/v1/playlists/{playlist_id}', { playlist_id: id }),
			{ fields: DETAIL_FIELDS },
			signal
		),
	update: (id: string, details: PlaylistDetails) => api.put<void>(path('/v1/playlists/{playlist_id}', { playlist_id: id }), details),
	setCover: (id: string, base64Jpeg: string) =>
		request<void>('PUT', path('/v1/playlists/{playlist_id}/images', { playlist_id: id }), {
			raw: { body: base64Jpeg, contentType: 'image/jpeg' }
		}),
	itemsPage: (id: string, offset: number, limit = PAGE, signal?: AbortSignal) =>
		api.get<Paging<PlaylistItem>>(tracksOf(id), { offset, limit, fields: ITEM_FIELDS }, signal),

	/** Every item (up to 10,000): the first page, then the rest a few pages at a time. */
	async allItems(id: string, signal?: AbortSignal, onProgress?: (n: number, total: number) => void) {
		const first = await playlists.itemsPage(id, 0, PAGE, signal);
		const items: PlaylistItem[] = [...first.items];
		onProgress?.(items.length, first.total);
		const offsets: number[] = [];
		for (let o = PAGE; o < first.total; o += PAGE) offsets.push(o);
		const CONCURRENCY = 8;
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
		api.post<Snapshot>(tracksOf(id), { uris, position }),
	reorder: (id: string, rangeStart: number, insertBefore: number, rangeLength = 1, snapshotId?: string) =>
		api.put<Snapshot>(tracksOf(id), {
			range_start: rangeStart,
			insert_before: insertBefore,
			range_length: rangeLength,
			snapshot_id: snapshotId
		}),
	remove: (id: string, tracks: { uri: string; positions: number[] }[], snapshotId?: string) =>
		api.delete<Snapshot>(tracksOf(id), { tracks, snapshot_id: snapshotId }),

	// playdeck's project API: history, restore, audit.
	versions: (id: string, signal?: AbortSignal, offset = 0) =>
		api.get<Paging<PlaylistVersion>>(
			path('/api/playlists/{playlist_id}/versions', { playlist_id: id }),
			{ limit: 50, offset },
			signal
		),
	diff: (id: string, from: string, to: string, signal?: AbortSignal) =>
		api.get<PlaylistDiff>(
			path('/api/playlists/{playlist_id}/diff', { playlist_id: id }),
			{ from, to },
			signal
		),
	restore: (id: string, snapshotId: string) =>
		api.post<Snapshot>(path('/api/playlists/{playlist_id}/restore', { playlist_id: id }), {
			snapshot_id: snapshotId
		}),
	audit: (id: string, signal?: AbortSignal) =>
		api.get<Paging<AuditEntry>>(path('/api/audit', {}), { playlist_id: id, limit: 50 }, signal)
};

export const customTracks = {
	list: (signal?: AbortSignal) =>
		api
			.get<Paging<CustomTrack>>(path('/api/tracks', {}), { limit: 50 }, signal)
			.then((r) => r.items),
	create: (input: CustomTrackInput) => api.post<CustomTrack>(path('/api/tracks', {}), input),
	update: (id: string, input: Partial<CustomTrackInput>) =>
		api.put<CustomTrack>(path('/api/tracks/{track_id}', { track_id: id }), input),
	remove: (id: string) => api.delete<void>(path('/api/tracks/{track_id}', { track_id: id }))
};
