// A client-rendered single-page app: no server rendering, no prerendering.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';
