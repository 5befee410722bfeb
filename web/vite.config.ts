// Builds the Integrations page into dist/, which the service embeds and serves
// at /integrations. The generated API code is the TypeScript client's
// (clients/typescript/src/gen), resolved against this package's copies of
// the protobuf and connect runtimes so there is one of each in the bundle.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const clientSource = fileURLToPath(new URL("../clients/typescript/src", import.meta.url));

export default defineConfig({
  base: "/integrations/",
  resolve: {
    alias: { "@client": clientSource },
    dedupe: ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-web"],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Files are named by content hash; no source maps, so the committed
    // bundle stays small and a rebuild gives the same bytes.
    sourcemap: false,
    target: "es2022",
  },
});
