/// <reference types="vitest/config" />
// Vite config: React build for production (served by `arena` from web-client/dist)
// and a dev server that proxies the API and gateway to a locally running server.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Where `npm run dev` forwards /api and /gateway (override with ARENA_DEV_TARGET). */
const target = process.env.ARENA_DEV_TARGET ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { target: 'es2022', sourcemap: false },
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/gateway': { target, ws: true },
      '/readyz': { target },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 15000,
  },
});
