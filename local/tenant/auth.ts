/**
 * Entra ID's client-credentials flow, as much as @azure/identity's ClientSecretCredential uses:
 * OpenID metadata, the v2.0 token endpoint, and validation of the bearer tokens it issues.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { GraphError } from "./http.js";

export interface TenantApp {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Application permissions granted (roles claim). */
  roles: string[];
  /** Mailboxes the app may touch (Exchange RBAC for Applications); "*" for all. */
  mailboxes: string[] | "*";
}

export interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  roles: string[];
  iat: number;
  nbf: number;
  exp: number;
}

export class Authority {
  private readonly key: Buffer;
  constructor(
    readonly tenantId: string,
    private readonly apps: TenantApp[],
    key: string | undefined,
    private readonly now: () => number,
  ) {
    this.key = key ? Buffer.from(key, "base64") : randomBytes(32);
  }

  get signingKey(): string {
    return this.key.toString("base64");
  }

  app(clientId: string): TenantApp | undefined {
    return this.apps.find((a) => a.clientId === clientId);
  }

  openIdConfiguration(base: string, tenant: string): unknown {
    const t = `${base}/${tenant}`;
    return {
      token_endpoint: `${t}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${t}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${base}/${this.tenantId}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${t}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${t}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver", "roles"],
      tenant_region_scope: "EU",
      cloud_instance_name: "localhost",
    };
  }

  /** POST /{tenant}/oauth2/v2.0/token, form-encoded; answers as Entra ID does, errors included. */
  token(tenant: string, form: URLSearchParams, basicAuth?: string): { status: number; body: unknown } {
    const fail = (status: number, error: string, description: string, codes: number[]) => ({
      status,
      body: {
        error,
        error_description: description,
        error_codes: codes,
        timestamp: new Date(this.now()).toISOString(),
        trace_id: randomBytes(8).toString("hex"),
        correlation_id: randomBytes(8).toString("hex"),
      },
    });
    if (tenant !== this.tenantId) {
      return fail(400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found.`, [90002]);
    }
    if (form.get("grant_type") !== "client_credentials") {
      return fail(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.", [70003]);
    }
    let clientId = form.get("client_id") ?? "";
    let secret = form.get("client_secret") ?? "";
    if (basicAuth?.startsWith("Basic ")) {
      const [id, s] = Buffer.from(basicAuth.slice(6), "base64").toString().split(":");
      clientId = decodeURIComponent(id ?? "");
      secret = decodeURIComponent(s ?? "");
    }
    const app = this.app(clientId);
    if (!app) return fail(400, "unauthorized_client", `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`, [700016]);
    const a = Buffer.from(secret);
    const b = Buffer.from(app.clientSecret);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      return fail(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.", [7000215]);
    }
    const scope = form.get("scope") ?? "";
    if (!/(^|\s)https:\/\/graph\.microsoft\.com\/\.default(\s|$)/.test(scope)) {
      return fail(
        400,
        "invalid_scope",
        `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        [1002012],
      );
    }
    const iat = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      aud: "https://graph.microsoft.com",
      iss: `https://sts.windows.net/${this.tenantId}/`,
      tid: this.tenantId,
      appid: app.clientId,
      roles: app.roles,
      iat,
      nbf: iat - 300,
      exp: iat + 3599,
    };
    return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: this.sign(claims) } };
  }

  sign(claims: TokenClaims): string {
    const head = Buffer.from(JSON.stringify({ typ: "JWT", alg: "HS256" })).toString("base64url");
    const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const sig = createHmac("sha256", this.key).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
  }

  /** Validates `Authorization: Bearer ...`; throws Graph's 401 errors. */
  verify(header: string | undefined): { claims: TokenClaims; app: TenantApp } {
    if (!header || !/^Bearer\s+\S+/i.test(header)) {
      throw new GraphError(401, "InvalidAuthenticationToken", "Access token is empty.", { "WWW-Authenticate": 'Bearer realm="", error="invalid_token"' });
    }
    const token = header.replace(/^Bearer\s+/i, "");
    const [h, b, s] = token.split(".");
    const invalid = () =>
      new GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
      });
    if (!h || !b || !s) throw new GraphError(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).");
    const expected = createHmac("sha256", this.key).update(`${h}.${b}`).digest();
    const given = Buffer.from(s, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(b, "base64url").toString());
    } catch {
      throw invalid();
    }
    const now = Math.floor(this.now() / 1000);
    if (claims.exp <= now || claims.nbf > now) {
      throw new GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.");
    }
    const app = this.app(claims.appid);
    if (!app || claims.tid !== this.tenantId || claims.aud !== "https://graph.microsoft.com") throw invalid();
    return { claims, app };
  }
}
