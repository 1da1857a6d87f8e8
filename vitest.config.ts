import { defineConfig } from "vitest/config";
import { ensureTls } from "./local/tenant/tls.js";

// The local tenant serves HTTPS with a certificate of its own. Test workers are forked after this
// runs, so they start with NODE_EXTRA_CA_CERTS and trust it, as `npm start` arranges for its parts.
const tls = await ensureTls(".data/test-tls");
process.env.NODE_EXTRA_CA_CERTS = tls.caPath;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
