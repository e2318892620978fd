/** The web app is a public OAuth client of its own server (registered at start-up). */
export const CLIENT_ID = 'playdeck-web';
/** Catalog reads while signed out use the open catalog's client-credentials grant. */
export const ANONYMOUS_CLIENT = { id: 'playdeck-web-anonymous', secret: 'open-catalog' };
export const SCOPES = [
	'user-read-private',
	'user-read-email',
	'playlist-read-private',
	'playlist-read-collaborative',
	'playlist-modify-public',
	'playlist-modify-private',
	'ugc-image-upload',
	'user-library-read',
	'user-library-modify',
	'user-follow-read',
	'user-follow-modify'
];
export const REFRESH_MARGIN_MS = 60_000;

export function redirectUri(): string {
	return `${location.origin}/callback`;
}
