// Builds the dashboard UI (web/) into dist/web, which the operator serves at `/` (see
// src/server/dashboard/static.ts). `npm run build:web`; for development, `npx vite --config
// web/vite.config.ts` proxies /api to an operator on 127.0.0.1:8080.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [preact({ devToolsInProd: false, prefreshEnabled: false })],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
