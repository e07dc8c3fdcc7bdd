import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app: built into web/dist, which the Fastify server serves at '/'. In development (`vite --config
// web/vite.config.ts`), the API, metrics and health checks are proxied to a server on port 8080.
const root = fileURLToPath(new URL('.', import.meta.url));
const server = 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': { target: server },
      '/metrics': { target: server },
      '/healthz': { target: server },
    },
  },
});
