/**
 * The app's navigation. A new area (studio, rules, rankings, analytics) adds its
 * pages under src/routes/ and one entry here.
 */
export interface NavItem {
	href: string;
	label: string;
	icon: string; // a key of Icon.svelte
	/** Shown only to signed-in users. */
	requiresUser?: boolean;
}

export const NAV: NavItem[] = [
	{ href: '/', label: 'Home', icon: 'home' },
	{ href: '/search', label: 'Search', icon: 'search' },
	{ href: '/playlists', label: 'Your playlists', icon: 'list', requiresUser: true },
	{ href: '/custom-tracks', label: 'Custom tracks', icon: 'music', requiresUser: true }
];

export function isActive(item: NavItem, pathname: string): boolean {
	return item.href === '/' ? pathname === '/' : pathname.startsWith(item.href);
}
