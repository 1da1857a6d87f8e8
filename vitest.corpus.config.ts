import { defineConfig } from "vitest/config";
import { ensureTls } from "./local/tenant/tls.js";

// The real-mail corpus (`npm run test:corpus`): all 325 messages of ../shared/mail-corpus through
// SMTP into the local stack, twice (about a minute). A step of its own in CI, so `npm test` stays
// within about three minutes on this 2-core machine.
const tls = await ensureTls(".data/test-tls");
process.env.NODE_EXTRA_CA_CERTS = tls.caPath;

export default defineConfig({
  test: {
    include: ["test/intake/corpus.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
