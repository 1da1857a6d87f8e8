import { defineConfig } from "vitest/config";
import { ensureTls } from "./local/tenant/tls.js";

// Browser tests (`npm run test:e2e`): the Microsoft 365 Agents Playground driven by Playwright in
// Debian's chromium. One file at a time: each starts its own tenant, Azurite, dev host and Playground.
const tls = await ensureTls(".data/test-tls");
process.env.NODE_EXTRA_CA_CERTS = tls.caPath;

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
