/**
 * Spotify Web API object shapes as playdeck serves them (the catalog routes
 * declare no response models in the OpenAPI schema, so these are written by
 * hand from Spotify's reference; the paths and parameters come from schema.d.ts).
 */

export interface Image {
	url: string;
	height: number | null;
	width: number | null;
}

export interface ExternalUrls {
	spotify?: string;
}

export interface Paging<T> {
	href: string;
	items: T[];
	limit: number;
	next: string | null;
	offset: number;
	previous: string | null;
	total: number;
}

export interface SimplifiedArtist {
	id: string;
	name: string;
	uri: string;
	type: 'artist';
	href?: string;
	external_urls?: ExternalUrls;
}

export interface Artist extends SimplifiedArtist {
	genres: string[];
	images: Image[];
	popularity: number;
	followers: { href: string | null; total: number };
}

export type AlbumType = 'album' | 'single' | 'compilation';
export type AlbumGroup = AlbumType | 'appears_on';

export interface SimplifiedAlbum {
	id: string;
	name: string;
	uri: string;
	type: 'album';
	album_type: AlbumType;
	album_group?: AlbumGroup;
	total_tracks: number;
	release_date: string;
	release_date_precision: 'year' | 'month' | 'day';
	images: Image[];
	artists: SimplifiedArtist[];
}

export interface Copyright {
	text: string;
	type: string;
}

export interface Album extends SimplifiedAlbum {
	label: string;
	popularity: number;
	genres: string[];
	copyrights: Copyright[];
	external_ids?: Record<string, string>;
	tracks: Paging<SimplifiedTrack>;
}

export interface SimplifiedTrack {
	id: string | null;
	name: string;
	uri: string;
	type: 'track';
	duration_ms: number;
	explicit: boolean;
	track_number: number;
	disc_number: number;
	artists: SimplifiedArtist[];
	is_local?: boolean;
	preview_url?: string | null;
}

export interface Track extends SimplifiedTrack {
	album: SimplifiedAlbum;
	popularity: number;
	external_ids?: Record<string, string>;
}

export interface AudioFeatures {
	id: string;
	danceability: number;
	energy: number;
	key: number;
	loudness: number;
	mode: number;
	speechiness: number;
	acousticness: number;
	instrumentalness: number;
	liveness: number;
	valence: number;
	tempo: number;
	duration_ms: number;
	time_signature: number;
}

export interface SearchResults {
	tracks?: Paging<Track>;
	albums?: Paging<SimplifiedAlbum>;
	artists?: Paging<Artist>;
}

export interface PublicUser {
	id: string;
	display_name: string | null;
	uri: string;
	type: 'user';
	images?: Image[];
}

export interface PrivateUser extends PublicUser {
	email?: string;
	product?: string;
	country?: string;
	account_id?: string;
}

export interface PlaylistSimplified {
	id: string;
	name: string;
	description: string | null;
	public: boolean | null;
	collaborative: boolean;
	images: Image[] | null;
	owner: PublicUser;
	snapshot_id: string;
	uri: string;
	tracks?: { href: string; total: number };
	items?: { href: string; total: number };
}

/** A playlist entry: a catalog track, or a custom track reaching clients as a local item. */
export interface PlaylistItem {
	added_at: string | null;
	added_by: PublicUser | null;
	is_local: boolean;
	track: Track | null;
	item?: Track | null;
}

export interface Playlist extends PlaylistSimplified {
	followers: { href: string | null; total: number };
	tracks: Paging<PlaylistItem> & { href: string };
}
