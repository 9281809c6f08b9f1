import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The console is served by the API server itself (src/http/plugins/console.ts) from web/dist.
// `npm run dev:web` serves it with hot reload and sends /api to a server on port 3000.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // CSP (plugins/hardening.ts) allows no inline script; the polyfill is not needed anyway.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1000,
    // test/console.test.ts reads it to measure what the first page load fetches
    manifest: true,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})
