import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: the Python server serves index.html for every page route.
		adapter: adapter({
			pages: '../src/playdeck/web/static',
			assets: '../src/playdeck/web/static',
			fallback: 'index.html',
			precompress: false,
			strict: true
		})
	}
};

export default config;
