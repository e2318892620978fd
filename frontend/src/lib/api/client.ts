/**
 * The HTTP client every page uses: same-origin requests to the playdeck server,
 * the bearer token from the auth store (refreshed silently before it expires and
 * once more on a 401), and Spotify's error envelope turned into `ApiError`.
 */
import type { paths } from './schema';
import { auth } from '$lib/stores/auth.svelte';

export type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

/** The query parameters the OpenAPI schema declares for `GET path`. */
export type GetQuery<P extends keyof paths> = paths[P] extends {
	get: { parameters: { query?: infer Q } };
}
	? NonNullable<Q>
	: never;

type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}`
	? { [key in K]: string } & PathParams<Rest>
	: unknown;

/** A URL path from a route template of the OpenAPI schema (so a renamed route fails
 * type checking), its `{parameters}` filled in and encoded. */
export function path<P extends keyof paths & string>(template: P, params: PathParams<P>): string {
	const values = params as Record<string, string>;
	return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}

export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly retryAfter: number | null = null
	) {
		super(message);
		this.name = 'ApiError';
	}
}

export function buildUrl(path: string, query?: Query): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(query ?? {})) {
		if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
	}
	const qs = params.toString();
	return qs ? `${path}?${qs}` : path;
}

async function errorFrom(response: Response): Promise<ApiError> {
	let message = response.statusText || `HTTP ${response.status}`;
	try {
		const body: unknown = await response.json();
		if (body && typeof body === 'object') {
			const b = body as {
				error?: { message?: string } | string;
				error_description?: string;
				message?: string;
				detail?: unknown;
			};
			if (typeof b.error === 'object' && b.error?.message) message = b.error.message;
			else if (typeof b.error_description === 'string') message = b.error_description;
			else if (typeof b.message === 'string') message = b.message;
			else if (typeof b.detail === 'string') message = b.detail;
		}
	} catch {
		// not JSON: keep the status text
	}
	const retry = response.headers.get('Retry-After');
	return new ApiError(response.status, message, retry ? Number(retry) : null);
}

export interface RequestOptions {
	query?: Query;
	body?: unknown;
	signal?: AbortSignal;
	/** Send without a token (the token endpoint itself). */
	anonymous?: boolean;
	/** A raw body with its content type (e.g. a base64 JPEG), instead of JSON. */
	raw?: { body: string; contentType: string };
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
	const url = buildUrl(path, opts.query);
	const send = async (): Promise<Response> => {
		const headers: Record<string, string> = { Accept: 'application/json' };
		if (!opts.anonymous) {
			const token = await auth.accessToken();
			if (token) headers.Authorization = `Bearer ${token}`;
		}
		let body: BodyInit | undefined;
		if (opts.raw) {
			headers['Content-Type'] = opts.raw.contentType;
			body = opts.raw.body;
		} else if (opts.body !== undefined) {
			headers['Content-Type'] = 'application/json';
			body = JSON.stringify(opts.body);
		}
		return fetch(url, { method, headers, body, signal: opts.signal });
	};
	let response = await send();
	if (response.status === 401 && !opts.anonymous && (await auth.recoverFrom401())) {
		response = await send();
	}
	if (!response.ok) throw await errorFrom(response);
	if (response.status === 204) return undefined as T;
	const text = await response.text();
	return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
	get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
		request<T>('GET', path, { query, signal }),
	post: <T>(path: string, body?: unknown, query?: Query) =>
		request<T>('POST', path, { body, query }),
	put: <T>(path: string, body?: unknown, query?: Query) => request<T>('PUT', path, { body, query }),
	delete: <T>(path: string, body?: unknown, query?: Query) =>
		request<T>('DELETE', path, { body, query })
};

/** A human message for any thrown value (shown in error states). */
export function describeError(error: unknown): string {
	if (error instanceof ApiError) {
		if (error.status === 429)
			return `Too many requests: try again in ${error.retryAfter ?? 'a few'} seconds.`;
		if (error.status === 404) return 'Not found.';
		if (error.status === 401) {
			return auth.signedIn
				? 'Your session has ended: sign in again.'
				: 'This server asks you to sign in first.';
		}
		return error.message;
	}
	if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled.';
	if (error instanceof TypeError) return 'The server could not be reached.';
	return error instanceof Error ? error.message : String(error);
}
