/** The catalog: Spotify's `/v1` endpoints, typed by the OpenAPI schema's paths and parameters. */
import { api, type GetQuery } from './client';
import type { paths } from './schema';
import type {
	Album,
	AlbumGroup,
	Artist,
	AudioFeatures,
	Paging,
	SearchResults,
	SimplifiedAlbum,
	SimplifiedTrack,
	Track
} from './spotify';

type Q<P extends keyof paths> = GetQuery<P>;

/** A GET whose path template and query names are checked against the schema. */
function typed<P extends keyof paths>(
	path: P,
	query: GetQuery<P> | undefined,
	params: Record<string, string>,
	signal?: AbortSignal
) {
	const url = (path as string).replace(/\{(\w+)\}/g, (_, name: string) =>
		encodeURIComponent(params[name] ?? '')
	);
	return <T>() => api.get<T>(url, query as Record<string, string | number>, signal);
}

export const catalog = {
	album: (id: string, signal?: AbortSignal, query?: Q<'/v1/albums/{id}'>) =>
		typed('/v1/albums/{id}', query, { id }, signal)<Album>(),
	albumTracks: (id: string, query: Q<'/v1/albums/{id}/tracks'>, signal?: AbortSignal) =>
		typed('/v1/albums/{id}/tracks', query, { id }, signal)<Paging<SimplifiedTrack>>(),
	artist: (id: string, signal?: AbortSignal) =>
		typed('/v1/artists/{id}', undefined, { id }, signal)<Artist>(),
	artistAlbums: (
		id: string,
		group: AlbumGroup,
		query: Omit<Q<'/v1/artists/{id}/albums'>, 'include_groups'>,
		signal?: AbortSignal
	) =>
		typed(
			'/v1/artists/{id}/albums',
			{ ...query, include_groups: group },
			{ id },
			signal
		)<Paging<SimplifiedAlbum>>(),
	topTracks: (id: string, signal?: AbortSignal) =>
		typed('/v1/artists/{id}/top-tracks', {}, { id }, signal)<{ tracks: Track[] }>(),
	track: (id: string, signal?: AbortSignal) =>
		typed('/v1/tracks/{id}', undefined, { id }, signal)<Track>(),
	tracks: (ids: string[], signal?: AbortSignal) =>
		typed('/v1/tracks', { ids: ids.join(',') }, {}, signal)<{ tracks: (Track | null)[] }>(),
	audioFeatures: (id: string, signal?: AbortSignal) =>
		typed('/v1/audio-features/{id}', undefined, { id }, signal)<AudioFeatures>(),
	newReleases: (query: Q<'/v1/browse/new-releases'>, signal?: AbortSignal) =>
		typed('/v1/browse/new-releases', query, {}, signal)<{ albums: Paging<SimplifiedAlbum> }>(),
	search: (
		q: string,
		types: ('track' | 'album' | 'artist')[],
		query: { limit?: number; offset?: number } = {},
		signal?: AbortSignal
	) => api.get<SearchResults>('/v1/search', { q, type: types.join(','), ...query }, signal)
};
