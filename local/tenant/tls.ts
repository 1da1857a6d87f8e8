/**
 * The local tenant serves HTTPS (MSAL refuses an authority that is not https). Its certificate is
 * made once per data folder; processes that call the tenant trust it through NODE_EXTRA_CA_CERTS.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface TenantTls {
  key: string;
  cert: string;
  /** Path of the certificate to give to NODE_EXTRA_CA_CERTS. */
  caPath: string;
}

export async function ensureTls(dataDir: string): Promise<TenantTls> {
  const dir = join(dataDir, "tls");
  const keyPath = join(dir, "key.pem");
  const caPath = join(dir, "cert.pem");
  if (!existsSync(keyPath) || !existsSync(caPath)) {
    mkdirSync(dir, { recursive: true });
    const pems = await generate([{ name: "commonName", value: "localhost" }], {
      keySize: 2048,
      days: 3650,
      algorithm: "sha256",
      extensions: [
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
            { type: 7, ip: "::1" },
          ],
        },
      ],
    } as Parameters<typeof generate>[1]);
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(caPath, pems.cert);
  }
  return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(caPath, "utf8"), caPath };
}
