/**
 * Who is signed in, and their tokens: authorization code with PKCE against the
 * server's own `/authorize`, tokens kept in localStorage, refreshed silently
 * (before expiry and after a 401), and an anonymous catalog token while signed out.
 */
import { ANONYMOUS_CLIENT, CLIENT_ID, REFRESH_MARGIN_MS, SCOPES, redirectUri } from '$lib/auth/config';
import { challengeFor, createVerifier, randomString } from '$lib/auth/pkce';
import type { PrivateUser } from '$lib/api/spotify';

const STORAGE_KEY = 'playdeck.auth';
const PENDING_KEY = 'playdeck.auth.pending';

export interface Tokens {
	access_token: string;
	refresh_token: string | null;
	expires_at: number;
	scope: string;
}

interface TokenResponse {
	access_token: string;
	token_type: string;
	expires_in: number;
	refresh_token?: string;
	scope?: string;
}

interface Pending {
	state: string;
	verifier: string;
	returnTo: string;
}

export class AuthError extends Error {
	constructor(
		readonly code: string,
		message: string
	) {
		super(message);
		this.name = 'AuthError';
	}
}

function loadTokens(): Tokens | null {
	try {
		const raw = localStorage.getItem(STORAGE_KEY);
		return raw ? (JSON.parse(raw) as Tokens) : null;
	} catch {
		return null;
	}
}

async function tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
	const response = await fetch('/api/token', {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
		body: new URLSearchParams(form).toString()
	});
	const body = (await response.json().catch(() => ({}))) as Partial<TokenResponse> & {
		error?: string | { message?: string };
		error_description?: string;
	};
	if (!response.ok || !body.access_token) {
		const code = typeof body.error === 'string' ? body.error : `http_${response.status}`;
		const message =
			body.error_description ??
			(typeof body.error === 'object' ? body.error?.message : undefined) ??
			'The server refused the sign-in.';
		throw new AuthError(code, message);
	}
	return body as TokenResponse;
}

function toTokens(r: TokenResponse, previous: Tokens | null): Tokens {
	return {
		access_token: r.access_token,
		// A refresh may or may not rotate the refresh token.
		refresh_token: r.refresh_token ?? previous?.refresh_token ?? null,
		expires_at: Date.now() + r.expires_in * 1000,
		scope: r.scope ?? previous?.scope ?? ''
	};
}

class Auth {
	tokens = $state<Tokens | null>(loadTokens());
	user = $state<PrivateUser | null>(null);
	signedIn = $derived(this.tokens !== null);
	#anonymous: { token: string; expiresAt: number } | null = null;
	#refreshing: Promise<boolean> | null = null;
	#fetchingAnonymous: Promise<string | null> | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;

	constructor() {
		if (this.tokens) this.#schedule();
		if (typeof window !== 'undefined') {
			// Another tab signed in, refreshed or signed out.
			window.addEventListener('storage', (e) => {
				if (e.key === STORAGE_KEY) {
					this.tokens = loadTokens();
					if (!this.tokens) this.user = null;
				}
			});
		}
	}

	#save(tokens: Tokens | null): void {
		this.tokens = tokens;
		try {
			if (tokens) localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
			else localStorage.removeItem(STORAGE_KEY);
		} catch {
			// storage unavailable (private mode): keep the session in memory
		}
		this.#schedule();
	}

	#schedule(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		const tokens = this.tokens;
		if (!tokens?.refresh_token) return;
		const wait = Math.max(5_000, tokens.expires_at - Date.now() - REFRESH_MARGIN_MS);
		this.#timer = setTimeout(() => void this.refresh(), Math.min(wait, 2 ** 31 - 1));
	}

	/** Start signing in: off to the server's consent flow, back at /callback. */
	async signIn(returnTo: string = location.pathname + location.search): Promise<void> {
		const pending: Pending = { state: randomString(16), verifier: createVerifier(), returnTo };
		sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
		const params = new URLSearchParams({
			response_type: 'code',
			client_id: CLIENT_ID,
			redirect_uri: redirectUri(),
			scope: SCOPES.join(' '),
			state: pending.state,
			code_challenge_method: 'S256',
			code_challenge: await challengeFor(pending.verifier)
		});
		location.assign(`/authorize?${params.toString()}`);
	}

	/** Finish signing in from the callback URL; returns where to go next. */
	async completeSignIn(url: URL): Promise<string> {
		const raw = sessionStorage.getItem(PENDING_KEY);
		sessionStorage.removeItem(PENDING_KEY);
		const error = url.searchParams.get('error');
		if (error) {
			throw new AuthError(
				error,
				error === 'access_denied' ? 'You declined the sign-in.' : `Sign-in failed (${error}).`
			);
		}
		const code = url.searchParams.get('code');
		if (!raw || !code) throw new AuthError('invalid_request', 'No sign-in is in progress.');
		const pending = JSON.parse(raw) as Pending;
		if (url.searchParams.get('state') !== pending.state) {
			throw new AuthError('invalid_state', 'The sign-in response did not match this browser.');
		}
		const response = await tokenRequest({
			grant_type: 'authorization_code',
			code,
			redirect_uri: redirectUri(),
			client_id: CLIENT_ID,
			code_verifier: pending.verifier
		});
		this.#save(toTokens(response, null));
		await this.loadUser();
		return pending.returnTo.startsWith('/') && !pending.returnTo.startsWith('//')
			? pending.returnTo
			: '/';
	}

	/** Exchange the refresh token for a new access token (one request at a time). */
	refresh(): Promise<boolean> {
		const tokens = this.tokens;
		if (!tokens?.refresh_token) return Promise.resolve(false);
		this.#refreshing ??= tokenRequest({
			grant_type: 'refresh_token',
			refresh_token: tokens.refresh_token,
			client_id: CLIENT_ID
		})
			.then((r) => {
				this.#save(toTokens(r, this.tokens));
				return true;
			})
			.catch((e: unknown) => {
				// A revoked or expired grant ends the session; a network error does not.
				if (e instanceof AuthError) this.signOut();
				return false;
			})
			.finally(() => {
				this.#refreshing = null;
			});
		return this.#refreshing;
	}

	/** The token for the next request: the user's (refreshed when due) or an anonymous one. */
	async accessToken(): Promise<string | null> {
		const tokens = this.tokens;
		if (tokens) {
			if (tokens.expires_at - Date.now() < REFRESH_MARGIN_MS && tokens.refresh_token) {
				await this.refresh();
			}
			return this.tokens?.access_token ?? null;
		}
		if (this.#anonymous && this.#anonymous.expiresAt - Date.now() > REFRESH_MARGIN_MS) {
			return this.#anonymous.token;
		}
		// One token request however many catalog reads start at once.
		this.#fetchingAnonymous ??= tokenRequest({
			grant_type: 'client_credentials',
			client_id: ANONYMOUS_CLIENT.id,
			client_secret: ANONYMOUS_CLIENT.secret
		})
			.then((r) => {
				this.#anonymous = { token: r.access_token, expiresAt: Date.now() + r.expires_in * 1000 };
				return r.access_token as string | null;
			})
			.catch(() => null)
			.finally(() => {
				this.#fetchingAnonymous = null;
			});
		return this.#fetchingAnonymous;
	}

	/** After a 401: refresh once (or drop a stale anonymous token); true to retry. */
	async recoverFrom401(): Promise<boolean> {
		if (this.tokens) return this.refresh();
		if (this.#anonymous) {
			this.#anonymous = null;
			return true;
		}
		return false;
	}

	async loadUser(): Promise<PrivateUser | null> {
		if (!this.tokens) return null;
		const { api } = await import('$lib/api/client');
		try {
			this.user = await api.get<PrivateUser>('/v1/me');
		} catch {
			this.user = null;
		}
		return this.user;
	}

	signOut(): void {
		this.#save(null);
		this.user = null;
	}

	hasScope(scope: string): boolean {
		return (this.tokens?.scope ?? '').split(' ').includes(scope);
	}
}

export const auth = new Auth();
