/// <reference types="vitest/config" />
// Vite config: React build for production (served by `arena` from web-client/dist)
// and a dev server that proxies the API and gateway to a locally running server.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

/**
 * Emits `.gz` and `.br` next to each text asset so the server can send them
 * precompressed (tower-http `ServeDir::precompressed_gzip/br`) without
 * compressing on every request. No extra dependency.
 */
function precompress(): Plugin {
  return {
    name: 'arena-precompress',
    apply: 'build',
    generateBundle(_opts, bundle) {
      for (const [name, item] of Object.entries(bundle)) {
        if (!/\.(js|css|html|svg)$/.test(name)) continue;
        const src = item.type === 'chunk' ? item.code : item.source;
        const buf = typeof src === 'string' ? Buffer.from(src) : Buffer.from(src);
        if (buf.length < 1024) continue;
        this.emitFile({ type: 'asset', fileName: `${name}.gz`, source: gzipSync(buf, { level: 9 }) });
        this.emitFile({
          type: 'asset',
          fileName: `${name}.br`,
          source: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        });
      }
    },
  };
}

/** Where `npm run dev` forwards /api and /gateway (override with ARENA_DEV_TARGET). */
const target = process.env.ARENA_DEV_TARGET ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), precompress()],
  build: { target: 'es2022', sourcemap: false },
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/gateway': { target, ws: true },
      '/readyz': { target },
    },
  },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 15000,
  },
});
