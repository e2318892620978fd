// Development helper: screenshot pages of a running server.
// node e2e/shoot.mjs http://127.0.0.1:8000 out-dir /path1 /path2 …  (THEME=dark, WIDTH=…)
import { mkdirSync } from 'node:fs';
import { launch } from './browser.mjs';

const [base, out, ...paths] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();
const context = await browser.newContext({
	viewport: { width: Number(process.env.WIDTH ?? 1280), height: Number(process.env.HEIGHT ?? 860) },
	colorScheme: process.env.THEME === 'dark' ? 'dark' : 'light'
});
const page = await context.newPage();
page.on('console', (m) => {
	if (m.type() === 'error' || m.type() === 'warning') console.log(`[console.${m.type()}]`, m.text());
});
page.on('pageerror', (e) => console.log('[pageerror]', e.message));
for (const [i, p] of paths.entries()) {
	await page.goto(base + p, { waitUntil: 'networkidle' });
	await page.waitForTimeout(Number(process.env.WAIT ?? 400));
	const file = `${out}/${String(i).padStart(2, '0')}-${p.replace(/[^a-z0-9]+/gi, '_')}.png`;
	await page.screenshot({ path: file, fullPage: process.env.FULL === '1' });
	console.log(file);
}
await browser.close();
