/** Short status messages ("Playlist saved", errors of background actions). */
export interface Toast {
	id: number;
	message: string;
	kind: 'info' | 'error';
}

let next = 1;

class Toasts {
	items = $state<Toast[]>([]);

	show(message: string, kind: Toast['kind'] = 'info', ms = 4000): void {
		const id = next++;
		// Keep the newest few: a burst of edits must not cover the page.
		this.items = [...this.items.slice(-2), { id, message, kind }];
		setTimeout(() => this.dismiss(id), ms);
	}

	error(message: string): void {
		this.show(message, 'error', 7000);
	}

	dismiss(id: number): void {
		this.items = this.items.filter((t) => t.id !== id);
	}
}

export const toasts = new Toasts();
