import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFoundBody } from './http-errors.js';

/** The built SPA: `<package root>/web/dist` (this file is src/server/web.ts). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths that belong to the server, never to the SPA: an unknown one is a JSON 404, not index.html. */
const SERVER_PATHS = [/^\/(api|metrics|healthz|readyz)(\/|$)/, /^\/assets\//];

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Audience Uploader</title></head>
<body><h1>Audience Uploader</h1><p>The web app is not built: run npm run build:web (then restart the server).</p>
<p>The API is available (<a href="/api/docs">API documentation</a>).</p></body></html>
`;

/**
 * Serves the web app: the built files (public), hashed assets under /assets cached for a year, index.html never
 * cached (it names the current assets), and index.html for every other browser path (client-side routes). Installs
 * the not-found handler, so the error handler must be installed with `notFound: false`.
 */
export async function installWebApp(app: FastifyInstance, options: { root?: string | false } = {}): Promise<void> {
  const root = options.root === undefined ? DEFAULT_WEB_ROOT : options.root;
  const built = root !== false && existsSync(join(root, 'index.html'));
  if (root !== false && built) {
    await app.register(fastifyStatic, {
      root,
      // Vite names assets by their content hash: a changed file is a new name, so the old one can be cached forever.
      cacheControl: false,
      setHeaders(reply, path) {
        if (/[\\/]assets[\\/]/.test(path)) reply.header('cache-control', 'public, max-age=31536000, immutable');
        else reply.header('cache-control', 'no-cache');
      },
    });
  }
  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !SERVER_PATHS.some((pattern) => pattern.test(path));
    if (!isPage) return reply.code(404).send(notFoundBody(request));
    reply.header('cache-control', 'no-cache');
    // Looked up each time: a build removed (or run) after start answers the notice rather than an error.
    if (!built || !existsSync(join(root, 'index.html'))) return reply.code(200).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.sendFile('index.html');
  });
}
