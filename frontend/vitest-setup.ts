import '@testing-library/jest-dom/vitest';

// jsdom has no layout: a ResizeObserver that never fires is enough for bind:clientHeight.
if (typeof globalThis.ResizeObserver === 'undefined') {
	globalThis.ResizeObserver = class {
		observe() {}
		unobserve() {}
		disconnect() {}
	};
}
