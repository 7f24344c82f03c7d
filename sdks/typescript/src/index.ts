// The hand-written layer of the Atelier TypeScript SDK: only what a generator cannot reach.
// Every endpoint, parameter and body type comes from `schema.d.ts` (generated from
// openapi/v1.json by `npm run generate`); this file adds authentication, token refresh,
// idempotency keys, retries, typed errors, pagination and webhook verification.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type TokenResponse = Schemas["TokenResponse"];
export type AtelierHttpClient = Client<paths>;

// ---------------------------------------------------------------------------------------------
// Errors

/** A non-2xx answer, carrying the parsed RFC 9457 problem document. */
export class AtelierError extends Error {
  readonly status: number;
  /** Stable machine-readable code (`not_found`, `invalid_parameter`, ...): branch on this. */
  readonly code: string;
  readonly detail: string;
  /** Quote it to support (also the `X-Request-Id` response header). */
  readonly requestId: string | undefined;
  /** Per-field errors for invalid parameters and bodies (empty otherwise). */
  readonly errors: Schemas["FieldError"][];
  /** The problem document as received (undefined when the body was not one). */
  readonly problem: Problem | undefined;
  readonly response: Response;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const code = problem?.code ?? `http_${response.status}`;
    const detail = problem?.detail ?? (typeof body === "string" && body ? body : response.statusText);
    super(`${response.status} ${code}: ${detail}`);
    this.name = "AtelierError";
    this.status = response.status;
    this.code = code;
    this.detail = detail;
    this.requestId = problem?.request_id ?? response.headers.get("x-request-id") ?? undefined;
    this.errors = problem?.errors ?? [];
    this.problem = problem;
    this.response = response;
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && typeof (body as Problem).code === "string";
}

type DataOf<R> = R extends { data: infer D } ? D : never;

/**
 * Turns an openapi-fetch result `{data, error, response}` into its data, or throws
 * {@link AtelierError}: `const user = await unwrap(atelier.client.POST("/v1/users", {...}))`.
 */
export async function unwrap<R extends { data?: unknown; error?: unknown; response: Response }>(
  result: R | Promise<R>,
): Promise<DataOf<R>> {
  const { data, error, response } = await result;
  if (!response.ok || error !== undefined) throw new AtelierError(response, error);
  return data as DataOf<R>;
}

// ---------------------------------------------------------------------------------------------
// Client

export interface RetryOptions {
  /** Attempts in all, the first included (default 3; 1 turns retries off). */
  maxAttempts?: number;
  /** The most time spent waiting between attempts of one call, in ms (default 10 000). */
  maxTotalWaitMs?: number;
}

interface CommonOptions {
  baseUrl: string;
  retry?: RetryOptions;
  /** The underlying fetch (default: global fetch). Handy for tests and proxies. */
  fetch?: (request: Request) => Promise<Response>;
}

/** Your backend: authenticates with an API key (`atk_...`). */
export interface ApiKeyOptions extends CommonOptions {
  apiKey: string;
}

/** An end user's app: a user access token and its refresh token, minted by your backend. */
export interface UserTokenOptions extends CommonOptions {
  accessToken: string;
  refreshToken: string;
  /** Called with each new pair after a refresh: persist it (refresh tokens are single use). */
  onTokens?: (tokens: TokenResponse) => void | Promise<void>;
}

export type AtelierClientOptions = ApiKeyOptions | UserTokenOptions;

export interface AtelierClient {
  /** The typed openapi-fetch client: `client.GET("/v1/me/unread")`, `client.POST(...)`. */
  client: AtelierHttpClient;
  /** User tokens only: exchange the refresh token now (single-flight), returns the new pair. */
  refresh(): Promise<TokenResponse>;
  /** The access token or API key currently sent. */
  credential(): string;
  /** Every item of a cursor-paginated list, page after page. */
  paginate: Paginate;
}

const RETRY_STATUSES = new Set([429, 503]);

export function createAtelierClient(options: AtelierClientOptions): AtelierClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 3);
  const maxTotalWaitMs = options.retry?.maxTotalWaitMs ?? 10_000;
  const user = "accessToken" in options ? options : undefined;
  let token = "apiKey" in options ? options.apiKey : options.accessToken;
  let refreshToken = user?.refreshToken;
  let refreshing: Promise<TokenResponse> | undefined;

  function refresh(): Promise<TokenResponse> {
    if (!user || refreshToken === undefined) {
      return Promise.reject(new Error("refresh() needs a client created with user tokens"));
    }
    // Single flight: concurrent callers share one exchange (a refresh token is single use).
    refreshing ??= (async () => {
      const response = await baseFetch(
        new Request(`${baseUrl}/v1/auth/refresh`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: refreshToken }),
        }),
      );
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) throw new AtelierError(response, body);
      const tokens = body as TokenResponse;
      token = tokens.access_token;
      refreshToken = tokens.refresh_token;
      await user.onTokens?.(tokens);
      return tokens;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  // Sets the credential, and an Idempotency-Key on POSTs without one. It runs once per call,
  // so every retry below re-sends the same key.
  const authMiddleware: Middleware = {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      if (request.method === "POST" && !request.headers.has("Idempotency-Key")) {
        request.headers.set("Idempotency-Key", randomUUID());
      }
      return request;
    },
  };

  // Retries 429/503 (honouring Retry-After, within the attempt and wait budgets) and, for user
  // tokens, refreshes once on 401 `token_expired` then repeats the call.
  async function fetchWithRetries(request: Request): Promise<Response> {
    let waited = 0;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const sentToken = token;
      const current = request.clone();
      current.headers.set("Authorization", `Bearer ${sentToken}`);
      const response = await baseFetch(current);

      if (response.status === 401 && user && !refreshed && (await problemCode(response)) === "token_expired") {
        refreshed = true;
        try {
          if (token === sentToken) await refresh(); // else another call refreshed meanwhile
        } catch {
          return response; // the caller sees the original 401
        }
        await response.body?.cancel();
        attempt--; // a refresh is not a retry
        continue;
      }

      if (!RETRY_STATUSES.has(response.status) || attempt >= maxAttempts) return response;
      const delay = retryDelayMs(response.headers.get("retry-after"), attempt);
      if (waited + delay > maxTotalWaitMs) return response;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, delay));
      waited += delay;
    }
  }

  const client = createClient<paths>({ baseUrl, fetch: fetchWithRetries });
  client.use(authMiddleware);
  return { client, refresh, credential: () => token, paginate: paginator(client) };
}

async function problemCode(response: Response): Promise<string | undefined> {
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  return isProblem(body) ? body.code : undefined;
}

/** Retry-After in seconds or as an HTTP date; without it, 0.5 s, 1 s, 2 s, ... */
function retryDelayMs(retryAfter: string | null, attempt: number): number {
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return 500 * 2 ** (attempt - 1);
}

// ---------------------------------------------------------------------------------------------
// Pagination

/**
 * The list operations: every `GET` taking a `cursor` query parameter answers
 * `{items, has_more, next_cursor}` (the contract checks it).
 */
type ListGet = {
  parameters: { query?: object };
  responses: { 200: { content: { "application/json": { items: unknown[] } } } };
};
export type PaginatedPath = {
  [P in keyof paths]: paths[P] extends { get: ListGet }
    ? "cursor" extends keyof NonNullable<paths[P]["get"]["parameters"]["query"]>
      ? P
      : never
    : never;
}[keyof paths];
type GetOp<P extends PaginatedPath> = paths[P]["get"];
type ItemOf<P extends PaginatedPath> =
  GetOp<P> extends { responses: { 200: { content: { "application/json": { items: (infer I)[] } } } } }
    ? I
    : never;
/** The operation's parameters (path and query), without its cursor. */
export type PageParams<P extends PaginatedPath> = {
  [K in keyof GetOp<P>["parameters"] as K extends "path" | "query" ? K : never]: K extends "query"
    ? Omit<NonNullable<GetOp<P>["parameters"]["query"]>, "cursor">
    : GetOp<P>["parameters"][K];
};

export type Paginate = <P extends PaginatedPath>(
  path: P,
  params: PageParams<P>,
  options?: { cursor?: string },
) => AsyncGenerator<ItemOf<P>, void, undefined>;

function paginator(client: AtelierHttpClient): Paginate {
  return async function* paginate(path, params, options) {
    let cursor = options?.cursor;
    const p = params as { path?: object; query?: object };
    for (;;) {
      const query = { ...p.query, ...(cursor !== undefined && { cursor }) };
      // One generic call for every list: TypeScript cannot check it, the public signature is.
      const get = client.GET as (url: string, init: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
      const page = (await unwrap(get(path, { params: { path: p.path, query } }))) as {
        items: ItemOf<typeof path>[];
        has_more: boolean;
        next_cursor?: string;
      };
      yield* page.items;
      if (!page.has_more || page.next_cursor === undefined) return;
      cursor = page.next_cursor;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Webhooks (Standard Webhooks)

export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(" ") : value;
}

/**
 * Verifies a webhook delivery and returns its parsed JSON body, or throws
 * {@link WebhookVerificationError}. Pass the raw body exactly as received.
 * @param secret the endpoint's signing secret, `whsec_<base64>`
 */
export function verifyWebhook(
  secret: string,
  body: string | Uint8Array,
  headers: HeaderBag,
  options: { toleranceSeconds?: number; now?: Date } = {},
): unknown {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError("missing webhook headers");

  const seconds = Number(timestamp);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError("timestamp outside the tolerance");
  }

  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  const payload = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${payload}`).digest();
  // Several signatures (space-separated) during a secret rotation: one match is enough.
  const valid = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",", 2);
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid) throw new WebhookVerificationError("no matching signature");
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    throw new WebhookVerificationError("body is not JSON");
  }
}

// ---------------------------------------------------------------------------------------------
// Realtime gateway (WebSocket): see src/realtime.ts

export * from "./realtime.js";
