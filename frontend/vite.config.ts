import { sveltekit } from '@sveltejs/kit/vite';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API to a playdeck server (scripts/serve) on :8000.
const api = process.env.PLAYDECK_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
	plugins: [sveltekit(), svelteTesting()],
	server: {
		proxy: {
			'/v1': api,
			'/api': api,
			'/authorize': api,
			'/accounts': api
		}
	},
	build: { emptyOutDir: true },
	test: {
		environment: 'jsdom',
		include: ['src/**/*.test.ts'],
		setupFiles: ['./vitest-setup.ts']
	}
});
