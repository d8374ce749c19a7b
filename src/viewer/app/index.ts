export { serveViewer, type ViewerOptions, type ViewerServer } from './app-server.js';
export { isAllowedHost, isAllowedOrigin, MAX_BODY_BYTES } from './http-guard.js';
export { STATIC_DIR, staticAssets, staticText } from './static-assets.js';
