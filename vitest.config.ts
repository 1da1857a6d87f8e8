import { defineConfig } from "vitest/config";
import { ensureTls } from "./local/tenant/tls.js";

// The local tenant serves HTTPS with a certificate of its own. Test workers are forked after this
// runs, so they start with NODE_EXTRA_CA_CERTS and trust it, as `npm start` arranges for its parts.
const tls = await ensureTls(".data/test-tls");
process.env.NODE_EXTRA_CA_CERTS = tls.caPath;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The browser tests and the real-mail corpus run as steps of their own (npm run test:e2e, test:corpus).
    exclude: ["test/e2e/**", "test/intake/corpus.test.ts", "node_modules/**"],
    // Most suites wait on local servers (the tenant, Azurite, the dev host), not on the CPU: three
    // workers on this 2-core machine take the suite from about 230 s to about 115 s.
    maxWorkers: 3,
    // The usual report, then how long each kind of test took (test/reporters/kinds.ts).
    reporters: ["default", "./test/reporters/kinds.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
