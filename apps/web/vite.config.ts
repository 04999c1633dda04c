// Build and dev-server config for the web UI. In dev, /api and /ws go to a running Pulseboard server
// (PULSEBOARD_SERVER, default http://127.0.0.1:8080) so the UI talks to the real thing, cookies included.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const target = process.env.PULSEBOARD_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: {
      "/api": { target, changeOrigin: false },
      "/ws": { target, ws: true, changeOrigin: false },
    },
  },
});
