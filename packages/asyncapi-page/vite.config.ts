// Bundles the AsyncAPI page (page/) into dist/: one script and one stylesheet under /docs/assets/,
// nothing inlined (the page's CSP allows only its own files).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: new URL("./page", import.meta.url).pathname,
  base: "/docs/",
  plugins: [react()],
  resolve: {
    // The component imports one helper from the parser's CommonJS build, which drags in all of
    // Spectral; its module setup compiles schemas with eval. The ES build of the same module
    // leaves the rest to tree-shaking.
    alias: { "@asyncapi/parser/cjs/document": "@asyncapi/parser/esm/document" },
  },
  build: {
    outDir: new URL("./dist", import.meta.url).pathname,
    emptyOutDir: true,
    manifest: true,
    // data: URLs would need img-src/font-src data:, which the page's CSP does not allow.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4000,
  },
});
