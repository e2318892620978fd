/**
 * Data a page loads: `data`, `error` and `loading`, reloaded whenever the
 * state the fetcher reads synchronously changes (e.g. a route parameter), with
 * the previous request aborted. Call during component initialisation.
 */
export class Resource<T> {
	data = $state.raw<T | undefined>(undefined);
	error = $state.raw<unknown>(null);
	loading = $state(true);
	#controller: AbortController | null = null;

	constructor(private readonly fetcher: (signal: AbortSignal) => Promise<T>) {
		$effect(() => {
			this.reload();
			return () => this.#controller?.abort();
		});
	}

	reload(): void {
		this.#controller?.abort();
		const controller = new AbortController();
		this.#controller = controller;
		this.loading = true;
		this.error = null;
		let promise: Promise<T>;
		try {
			promise = this.fetcher(controller.signal);
		} catch (e) {
			promise = Promise.reject(e);
		}
		promise.then(
			(data) => {
				if (this.#controller !== controller) return;
				this.data = data;
				this.loading = false;
			},
			(error: unknown) => {
				if (this.#controller !== controller || controller.signal.aborted) return;
				this.error = error;
				this.loading = false;
			}
		);
	}

	/** Replace the data in place (after an edit), without a request. */
	set(data: T): void {
		this.data = data;
	}
}
