// Shared by the tests that talk to a server (scripts/with-server provides the environment).
import { randomBytes } from "node:crypto";
import {
  createAtelierClient,
  unwrap,
  type AtelierClient,
  type TokenResponse,
  type UserTokenOptions,
} from "../src/index.js";
import { conformance } from "./conformance.js";

export interface ServerEnv {
  baseUrl: string;
  apiKey: string;
  tenantId: string;
}

/** The server to test against, or a clear failure naming what is missing. */
export function serverEnv(): ServerEnv {
  const names = ["ATELIER_BASE_URL", "ATELIER_API_KEY", "ATELIER_TENANT_ID"] as const;
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `missing environment: ${missing.join(", ")}. Run the tests against a server, e.g. ` +
        "`cd /path/to/atelier && ./scripts/with-server sdks/typescript/test.sh`.",
    );
  }
  return {
    baseUrl: process.env.ATELIER_BASE_URL!,
    apiKey: process.env.ATELIER_API_KEY!,
    tenantId: process.env.ATELIER_TENANT_ID!,
  };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A fresh ULID (26 Crockford base32 characters: 48-bit time, 80 random bits). */
export function ulid(): string {
  let value = (BigInt(Date.now()) << 80n) | BigInt(`0x${randomBytes(10).toString("hex")}`);
  let out = "";
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

/** The README's backend flow: two users, a workspace owned by the first, tokens for both. */
export async function backendFlow(backend: AtelierClient) {
  const { client } = backend;
  const suffix = ulid().toLowerCase();
  const ada = await unwrap(
    client.POST("/v1/users", { body: { display_name: "Ada", external_id: `ada-${suffix}` } }),
  );
  const grace = await unwrap(
    client.POST("/v1/users", { body: { display_name: "Grace", external_id: `grace-${suffix}` } }),
  );
  const workspace = await unwrap(
    client.POST("/v1/workspaces", { body: { name: "Design", owner_id: ada.id } }),
  );
  await unwrap(
    client.PUT("/v1/workspaces/{workspace_id}/members/{user_id}", {
      params: { path: { workspace_id: workspace.id, user_id: grace.id } },
      body: { role: "member" },
    }),
  );
  return { ada, grace, workspace };
}

/** Mints a user token pair with the API key. */
export function mintTokens(backend: AtelierClient, userId: string): Promise<TokenResponse> {
  return unwrap(
    backend.client.POST("/v1/users/{user_id}/tokens", { params: { path: { user_id: userId } } }),
  );
}

/** A client acting as a user. */
export function userClient(
  env: ServerEnv,
  tokens: TokenResponse,
  extra: Pick<UserTokenOptions, "fetch" | "onTokens" | "retry"> = {},
): AtelierClient {
  const atelier = createAtelierClient({
    baseUrl: env.baseUrl,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    ...extra,
  });
  atelier.client.use(conformance); // checks every answer against the spec
  return atelier;
}

/** A client acting as the tenant's backend (API key). */
export function backendClient(env: ServerEnv): AtelierClient {
  const atelier = createAtelierClient({ baseUrl: env.baseUrl, apiKey: env.apiKey });
  atelier.client.use(conformance);
  return atelier;
}
