import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type FetchArgs = [string, RequestInit | undefined];

function json(body: unknown, status = 200): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'Content-Type': 'application/json' }
	});
}

async function freshAuth() {
	vi.resetModules();
	return (await import('./auth.svelte')).auth;
}

describe('auth store', () => {
	let calls: FetchArgs[];

	beforeEach(() => {
		calls = [];
		localStorage.clear();
		sessionStorage.clear();
	});
	afterEach(() => vi.unstubAllGlobals());

	it('refreshes silently when the access token is about to expire', async () => {
		localStorage.setItem(
			'playdeck.auth',
			JSON.stringify({
				access_token: 'old',
				refresh_token: 'r1',
				expires_at: Date.now() + 10_000,
				scope: 'playlist-read-private'
			})
		);
		vi.stubGlobal(
			'fetch',
			vi.fn(async (url: string, init?: RequestInit) => {
				calls.push([url, init]);
				return json({ access_token: 'new', token_type: 'Bearer', expires_in: 3600 });
			})
		);
		const auth = await freshAuth();
		expect(await auth.accessToken()).toBe('new');
		expect(calls).toHaveLength(1);
		const body = new URLSearchParams(String(calls[0]?.[1]?.body));
		expect(calls[0]?.[0]).toBe('/api/token');
		expect(body.get('grant_type')).toBe('refresh_token');
		expect(body.get('refresh_token')).toBe('r1');
		expect(body.get('client_id')).toBe('playdeck-web');
		// The refresh token is kept when the server does not rotate it.
		expect(JSON.parse(localStorage.getItem('playdeck.auth') ?? '{}').refresh_token).toBe('r1');
		expect(auth.hasScope('playlist-read-private')).toBe(true);
	});

	it('signs out when the refresh token is refused', async () => {
		localStorage.setItem(
			'playdeck.auth',
			JSON.stringify({ access_token: 'old', refresh_token: 'bad', expires_at: 0, scope: '' })
		);
		vi.stubGlobal(
			'fetch',
			vi.fn(async (url: string) => {
				if (url === '/api/token' && calls.push([url, undefined]) === 1) {
					return json({ error: 'invalid_grant', error_description: 'revoked' }, 400);
				}
				return json({ access_token: 'anon', token_type: 'Bearer', expires_in: 3600 });
			})
		);
		const auth = await freshAuth();
		expect(await auth.refresh()).toBe(false);
		expect(auth.signedIn).toBe(false);
		expect(localStorage.getItem('playdeck.auth')).toBeNull();
		// Signed out, catalog reads use an anonymous client-credentials token.
		expect(await auth.accessToken()).toBe('anon');
	});

	it('completes a PKCE sign-in only for the state it started', async () => {
		vi.stubGlobal(
			'fetch',
			vi.fn(async (url: string, init?: RequestInit) => {
				calls.push([url, init]);
				if (url === '/api/token') {
					return json({
						access_token: 'a',
						refresh_token: 'r',
						token_type: 'Bearer',
						expires_in: 3600,
						scope: 'user-read-private'
					});
				}
				return json({ id: 'alice', display_name: 'Alice', type: 'user', uri: 'spotify:user:alice' });
			})
		);
		const assign = vi.fn();
		vi.stubGlobal('location', { ...window.location, assign, origin: 'http://app.test', pathname: '/playlists', search: '' });
		const auth = await freshAuth();
		await auth.signIn('/playlists');
		const authorize = new URL(assign.mock.calls[0]?.[0] as string, 'http://app.test');
		expect(authorize.pathname).toBe('/authorize');
		expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
		expect(authorize.searchParams.get('redirect_uri')).toBe('http://app.test/callback');
		const state = authorize.searchParams.get('state');

		await expect(
			auth.completeSignIn(new URL('http://app.test/callback?code=c&state=forged'))
		).rejects.toThrow(/did not match/);

		await auth.signIn('/playlists');
		const second = new URL(assign.mock.calls[1]?.[0] as string, 'http://app.test');
		expect(second.searchParams.get('state')).not.toBe(state);
		const next = await auth.completeSignIn(
			new URL(`http://app.test/callback?code=c&state=${second.searchParams.get('state')}`)
		);
		expect(next).toBe('/playlists');
		const tokenCall = calls.find(([u]) => u === '/api/token');
		const form = new URLSearchParams(String(tokenCall?.[1]?.body));
		expect(form.get('grant_type')).toBe('authorization_code');
		expect(form.get('code_verifier')?.length).toBeGreaterThanOrEqual(43);
		expect(auth.user?.display_name).toBe('Alice');
	});
});
