// End-to-end test of the web app against a running playdeck server, in Debian's
// Chromium: sign in, search, album, artist, track, custom tracks, a playlist built
// by searching, dragging, keyboard moves, removing and restoring a version.
//
//   PLAYDECK_URL=http://127.0.0.1:8000 PLAYDECK_USER=demo PLAYDECK_PASSWORD=playdeck-demo \
//   ARTIFACTS=../test-artifacts npm run e2e
//
// It creates a custom track and a playlist as that user (use a throwaway server).
//
// Screenshots of the main pages go to $ARTIFACTS/screenshots. Any console error,
// page error or failed same-origin request fails the run.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch } from './browser.mjs';

const BASE = (process.env.PLAYDECK_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '');
const USER = process.env.PLAYDECK_USER ?? 'demo';
const PASSWORD = process.env.PLAYDECK_PASSWORD ?? 'demo';
const OUT = `${process.env.ARTIFACTS ?? '../test-artifacts'}/screenshots`;
mkdirSync(OUT, { recursive: true });

const problems = [];
// Names unique to this run, so it also works against a server with earlier runs' data.
const RUN = Date.now().toString(36).slice(-5);
const TRACK = `Basement Demo ${RUN}`;
const MIX = `E2E Mix ${RUN}`;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
// A 64×64 PNG (a green square) for the cover upload.
const COVER_PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAIAAAAlC+aJAAAAeklEQVR4nO3PUQkAIBTAwBfBaEY0qiH8OITBAtxmnf11wwUNaEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY0oAUNaEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY0oAUNaEEDWtCAFjSgBQ1oQQNa0IAWPHYBz04A8aMWDMkAAAAASUVORK5CYII=',
	'base64'
);
const started = Date.now();
let stepName = '';

function step(name) {
	stepName = name;
	console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${name}`);
}

function check(condition, message) {
	if (!condition) throw new Error(`${stepName}: ${message}`);
}

// Cover images in the demo catalog point at Spotify's CDN: answer them locally
// with a generated picture, so the run needs no network and logs no errors.
function placeholderSvg(url) {
	let h = 7;
	for (const c of url) h = (h * 31 + c.charCodeAt(0)) % 360;
	return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${h},55%,55%)"/><stop offset="1" stop-color="hsl(${(h + 60) % 360},50%,30%)"/></linearGradient></defs><rect width="300" height="300" fill="url(#g)"/><circle cx="150" cy="150" r="70" fill="none" stroke="rgba(255,255,255,.5)" stroke-width="14"/></svg>`;
}

async function api(path, token, init = {}) {
	const r = await fetch(BASE + path, {
		...init,
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) }
	});
	if (!r.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${r.status} ${await r.text()}`);
	return r.status === 204 ? null : r.json();
}

async function anonymousToken() {
	const r = await fetch(`${BASE}/api/token`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: 'grant_type=client_credentials&client_id=e2e&client_secret=e2e'
	});
	return (await r.json()).access_token;
}

const browser = await launch();
let exitCode = 0;
try {
	const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
	await context.route(
		(url) => !url.href.startsWith(BASE),
		(route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: placeholderSvg(route.request().url()) })
	);
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	page.on('console', (m) => {
		if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
	page.on('response', (r) => {
		if (r.url().startsWith(BASE) && r.status() >= 500) problems.push(`${r.status()} from ${r.url()}`);
	});
	// Accessibility: axe-core's WCAG 2 A/AA and best-practice rules on every page shot.
	const a11y = async (name) => {
		await page.addScriptTag({ path: AXE });
		const violations = await page.evaluate(async () =>
			(
				await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] })
			).violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
		);
		for (const v of violations) problems.push(`accessibility on ${name}: ${v}`);
	};
	const shot = async (name, target = page) => {
		await target.waitForTimeout(250);
		await target.screenshot({ path: `${OUT}/${name}.png` });
		// The web app's pages (the server's sign-in pages have their own CSP and tests).
		const path = new URL(page.url()).pathname;
		if (target === page && !path.startsWith('/accounts') && !path.startsWith('/authorize')) await a11y(name);
	};

	// ---------------------------------------------------------------- catalog
	step('home page');
	await page.goto(`${BASE}/`);
	await page.getByRole('heading', { name: 'New releases' }).waitFor();
	await page.locator('ul[aria-label="New releases"] li').first().waitFor();
	await shot('01-home');

	const anon = await anonymousToken();
	const releases = await api('/v1/browse/new-releases?limit=20', anon);
	const word = releases.albums.items
		.flatMap((a) => a.name.split(/\s+/))
		.find((w) => /^[A-Za-z]{4,}$/.test(w));
	check(word, 'no searchable word in the demo catalog');

	step(`search as you type: "${word}"`);
	const search = page.getByLabel('Search the catalog');
	await search.click();
	await search.pressSequentially(word, { delay: 40 });
	await page.waitForURL(/\/search\?q=/);
	await page.locator('table[aria-label="Tracks"] tbody tr').first().waitFor();
	check((await page.getByRole('heading', { name: 'Albums' }).count()) === 1, 'no Albums section');
	await shot('02-search');

	step('album page');
	await page.locator('ul[aria-label="Albums"] a').first().click();
	await page.waitForURL(/\/albums\//);
	await page.locator('table[aria-label^="Tracklist"] tbody tr').first().waitFor();
	check(/\d+:\d\d/.test(await page.locator('table[aria-label^="Tracklist"]').innerText()), 'no durations');
	check((await page.getByText(/Label:/).count()) === 1, 'no label');
	await shot('03-album');

	step('artist page');
	await page.locator('header.head a[href^="/artists/"]').first().click();
	await page.waitForURL(/\/artists\//);
	await page.getByRole('heading', { name: 'Discography' }).waitFor();
	await page.getByRole('tab').first().waitFor();
	await page.locator('#disco-panel ul a, #disco-panel .empty').first().waitFor();
	await shot('04-artist');

	step('track page with audio features');
	await page.locator('table[aria-label="Popular tracks"] a[href^="/tracks/"]').first().click();
	await page.waitForURL(/\/tracks\//);
	await page.getByRole('meter', { name: 'Energy' }).waitFor();
	await shot('05-track');

	// ---------------------------------------------------------------- sign in
	step('sign in through the server (authorization code + PKCE)');
	await page.goto(`${BASE}/playlists`);
	await page.getByRole('button', { name: 'Sign in' }).first().click();
	await page.waitForURL(/\/accounts\/login/);
	await page.locator('input[name="username"]').fill(USER);
	await page.locator('input[name="password"]').fill(PASSWORD);
	await shot('06-sign-in');
	await page.locator('form button[type="submit"]').first().click();
	// A fresh server asks for consent; a user who already agreed goes straight back.
	const consent = page.locator('button[name="decision"][value="allow"]');
	const back = page.waitForURL(`${BASE}/playlists`);
	if (await Promise.race([consent.waitFor().then(() => true), back.then(() => false)])) {
		await shot('07-consent');
		await consent.click();
	}
	await back;
	await page.getByRole('button', { name: 'Sign out' }).waitFor();
	const token = await page.evaluate(() => JSON.parse(localStorage.getItem('playdeck.auth') ?? '{}').access_token);
	check(token, 'no access token after sign-in');

	// ---------------------------------------------------------- custom tracks
	step('create a custom track');
	await page.goto(`${BASE}/custom-tracks`);
	await page.getByRole('button', { name: 'New custom track' }).click();
	await page.getByLabel('Title').fill(TRACK);
	await page.getByLabel('Artist').fill('The E2E Band');
	await page.getByLabel('Album (optional)').fill('Tapes');
	await page.getByLabel('Duration').fill('4M 11S');
	await page.getByRole('button', { name: 'Create' }).click();
	await page.getByRole('cell', { name: TRACK, exact: true }).waitFor();
	check(
		(await page.getByRole('row', { name: new RegExp(`^${TRACK} `) }).innerText()).includes('4:11'),
		'duration not shown as 4:11'
	);

	step('edit the custom track');
	await page.getByRole('button', { name: `Edit ${TRACK}`, exact: true }).click();
	await page.getByLabel('Title').fill(`${TRACK} (take 2)`);
	await page.getByLabel('Duration').fill('3:05');
	await page.getByRole('button', { name: 'Save' }).click();
	await page.getByRole('cell', { name: `${TRACK} (take 2)`, exact: true }).waitFor();
	check(
		(await page.getByRole('row', { name: new RegExp(`^${TRACK} \\(take 2\\)`) }).innerText()).includes('3:05'),
		'edited duration not shown'
	);
	await shot('08-custom-tracks');

	// -------------------------------------------------------------- playlists
	step('create a playlist');
	await page.goto(`${BASE}/playlists`);
	await page.getByRole('button', { name: 'New playlist' }).first().click();
	await page.getByLabel('Name').fill(MIX);
	await page.getByLabel('Description').fill('Built by the end-to-end test');
	await page.getByRole('button', { name: 'Create' }).click();
	await page.waitForURL(/\/playlists\/[A-Za-z0-9]+$/);
	const playlistId = page.url().split('/').pop();
	await page.getByRole('heading', { name: MIX }).waitFor();

	const count = () => page.getByTestId('item-count').innerText();
	const snapshotNow = () => page.getByTestId('snapshot').innerText();
	const settled = async () => {
		await page.getByTestId('snapshot').waitFor();
		await page.waitForTimeout(100);
	};
	const serverUris = async () =>
		(await api(`/v1/playlists/${playlistId}/tracks?limit=100`, token)).items.map((i) => i.track.uri);
	const uiUris = () => page.getByTestId('item').evaluateAll((els) => els.map((e) => e.dataset.uri));

	step('add tracks from search');
	const addSearch = page.getByLabel('Search for tracks to add');
	await addSearch.fill(word);
	await page.locator('ul[aria-label="Search results"] li button').first().waitFor();
	const snapBefore = await snapshotNow();
	for (let i = 0; i < 4; i++) {
		await page.locator('ul[aria-label="Search results"] li button').nth(i).click();
		await settled();
	}
	check((await count()) === '4 items', `expected 4 items, got ${await count()}`);
	check((await snapshotNow()) !== snapBefore, 'snapshot did not change after adding');

	step('add a custom track to the playlist');
	await page.getByRole('button', { name: 'Custom tracks' }).click();
	await page.getByRole('button', { name: new RegExp(`^Add ${TRACK}`) }).click();
	await settled();
	check((await count()) === '5 items', `expected 5 items, got ${await count()}`);
	check((await page.locator('.tag.local').count()) === 1, 'custom track not flagged');
	check(JSON.stringify(await uiUris()) === JSON.stringify(await serverUris()), 'UI and server disagree after adds');
	const afterAdds = await snapshotNow();
	await shot('09-playlist-editor');

	step('drag the first item below the third');
	const before = await uiUris();
	const grip = page.locator('button.grip').first();
	const gripBox = await grip.boundingBox();
	const third = await page.getByTestId('item').nth(2).boundingBox();
	await page.mouse.move(gripBox.x + gripBox.width / 2, gripBox.y + gripBox.height / 2);
	await page.mouse.down();
	for (let i = 1; i <= 10; i++) {
		await page.mouse.move(gripBox.x + gripBox.width / 2, gripBox.y + ((third.y + third.height - 4 - gripBox.y) * i) / 10);
	}
	await shot('10-dragging');
	await page.mouse.up();
	await settled();
	const dragged = await uiUris();
	check(
		JSON.stringify(dragged) === JSON.stringify([before[1], before[2], before[0], before[3], before[4]]),
		`unexpected order after drag: ${dragged}`
	);
	check(JSON.stringify(dragged) === JSON.stringify(await serverUris()), 'server order differs after drag');

	step('move with the keyboard (focus the handle, press ↑)');
	await page.locator('button.grip').nth(3).focus();
	await page.keyboard.press('ArrowUp');
	await settled();
	const keyed = await uiUris();
	check(keyed[2] === dragged[3] && keyed[3] === dragged[2], 'keyboard move did not swap items 3 and 4');
	check(JSON.stringify(keyed) === JSON.stringify(await serverUris()), 'server order differs after keyboard move');

	step('multi-select and move to top');
	await page.getByRole('checkbox', { name: /at position 4$/ }).check();
	await page.getByRole('checkbox', { name: /at position 5$/ }).check();
	await page.getByRole('button', { name: 'To top' }).click();
	await settled();
	const topped = await uiUris();
	check(topped[0] === keyed[3] && topped[1] === keyed[4], 'selection not moved to the top');
	check(JSON.stringify(topped) === JSON.stringify(await serverUris()), 'server order differs after multi-move');
	await page.getByRole('button', { name: 'Clear' }).click();

	step('remove an item');
	await page.getByRole('button', { name: /^Remove .* at position 5$/ }).click();
	await settled();
	check((await count()) === '4 items', `expected 4 items after removing, got ${await count()}`);
	check(JSON.stringify(await uiUris()) === JSON.stringify(await serverUris()), 'server differs after remove');

	step('history: see a diff, restore the version after the adds');
	await page.getByRole('tab', { name: 'History' }).click();
	const versions = page.locator('ol[aria-label^="Versions"] > li');
	await versions.first().waitFor();
	const target = versions.filter({ hasText: afterAdds });
	await target.getByRole('button', { expanded: false }).first().click();
	await target.locator('.diff li').first().waitFor();
	await shot('11-history');
	await target.getByRole('button', { name: /^Restore version/ }).click();
	await page.getByText('5 items').first().waitFor();
	await settled();
	check(JSON.stringify(await uiUris()) === JSON.stringify(before), 'restore did not bring back the order after the adds');
	check(JSON.stringify(await serverUris()) === JSON.stringify(before), 'server differs after restore');

	step('audit entries');
	await page.getByRole('tab', { name: 'Activity' }).click();
	await page.locator('ol[aria-label^="Audit"] li').first().waitFor();
	await shot('12-activity');

	step('edit details: rename, describe, collaborative, cover');
	await page.getByRole('button', { name: 'Edit details' }).click();
	await page.getByLabel('Name').fill(`${MIX} (edited)`);
	await page.getByLabel('Description').fill('Renamed by the end-to-end test');
	await page.getByLabel(/Collaborative/).check();
	await page.getByLabel(/Cover image/).setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: COVER_PNG });
	await page.getByAltText('New cover preview').waitFor();
	await page.getByRole('button', { name: 'Save' }).click();
	await page.getByRole('heading', { name: `${MIX} (edited)` }).waitFor();
	await page.getByText('Collaborative playlist').waitFor();
	await page.locator('header.head img[src*="/cover/"]').waitFor();
	const details = await api(`/v1/playlists/${playlistId}`, token);
	check(details.name === `${MIX} (edited)` && details.collaborative && details.public === false, 'details not saved');
	check(details.images.length === 1, 'cover not saved');
	await shot('13-playlist-details');

	step('add a track to the playlist from an album page');
	await page.goto(`${BASE}/search?q=${encodeURIComponent(word)}`);
	await page.locator('ul[aria-label="Albums"] a').first().click();
	await page.waitForURL(/\/albums\//);
	await page.getByRole('button', { name: /to a playlist$/ }).first().click();
	await page.getByRole('dialog').getByRole('button', { name: new RegExp(MIX) }).click();
	await page.getByText(new RegExp(`Added “.*” to “${MIX} \\(edited\\)”`)).waitFor();
	check((await serverUris()).length === 6, 'the track was not added from the album page');

	step('playlist list, dark theme, phone layout');
	await page.goto(`${BASE}/playlists`);
	await page.getByRole('link', { name: new RegExp(MIX) }).waitFor();
	await shot('14-playlists');
	await page.getByRole('button', { name: /Switch to dark theme/ }).click();
	await page.goto(`${BASE}/playlists/${playlistId}`);
	await page.getByTestId('item').first().waitFor();
	await shot('15-editor-dark');
	await page.setViewportSize({ width: 390, height: 844 });
	await page.reload();
	await page.getByTestId('item').first().waitFor();
	await shot('16-editor-phone-dark');

	step('sign out');
	await page.setViewportSize({ width: 1280, height: 860 });
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByRole('button', { name: 'Sign in' }).first().waitFor();

	check(problems.length === 0, `problems in the browser:\n  ${problems.join('\n  ')}`);
	console.log(`e2e passed in ${((Date.now() - started) / 1000).toFixed(1)}s; screenshots in ${OUT}`);
} catch (e) {
	exitCode = 1;
	console.error(`E2E FAILED at "${stepName}": ${e instanceof Error ? e.stack : e}`);
	if (problems.length) console.error(`browser problems:\n  ${problems.join('\n  ')}`);
	try {
		const pages = browser.contexts().flatMap((c) => c.pages());
		if (pages[0]) await pages[0].screenshot({ path: `${OUT}/failure.png` });
	} catch {
		// no screenshot
	}
} finally {
	await browser.close();
}
process.exit(exitCode);
