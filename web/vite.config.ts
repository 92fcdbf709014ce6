// The app (index.html) and GraphiQL (graphiql.html) are built into the Python package, which serves
// them itself: no file is fetched from another origin, so both work on a closed network.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: process.env.QIANSHOU_WEB_OUT ?? resolve(__dirname, '../server/static/app'),
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: { app: resolve(__dirname, 'index.html'), graphiql: resolve(__dirname, 'graphiql.html') },
    },
  },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:8000', ws: true }, '/auth': 'http://127.0.0.1:8000', '/reports': 'http://127.0.0.1:8000' } },
});
