/// <reference types="vitest/config" />
// Vite config: React build for production (served by `arena` from web-client/dist)
// and a dev server that proxies the API and gateway to a locally running server.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes `.gz` and `.br` next to each text asset so the server can send them
 * precompressed (tower-http `ServeDir::precompressed_gzip/br`) without
 * compressing on every request. No extra dependency. Runs on the files as
 * written (`writeBundle`): chunks are final only then (Vite fills in its
 * preload helper after `generateBundle`, so compressing there shipped a
 * `__VITE_PRELOAD__` placeholder in the compressed copy of a chunk with a
 * lazy import).
 */
function precompress(): Plugin {
  return {
    name: 'arena-precompress',
    apply: 'build',
    writeBundle(opts, bundle) {
      const dir = opts.dir ?? 'dist';
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|html|svg)$/.test(name)) continue;
        const buf = readFileSync(path.join(dir, name));
        if (buf.length < 1024) continue;
        writeFileSync(path.join(dir, `${name}.gz`), gzipSync(buf, { level: 9 }));
        writeFileSync(
          path.join(dir, `${name}.br`),
          brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
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
