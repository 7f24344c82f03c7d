// The README's quick start, as run by test.sh:
//   ATELIER_BASE_URL=http://127.0.0.1:8080 ATELIER_API_KEY=atk_... node dist/examples/quickstart.js
import { AtelierError, createAtelierClient, unwrap } from "@atelier/sdk";

const baseUrl = process.env.ATELIER_BASE_URL ?? "http://127.0.0.1:8080";

// 1. On your backend, with the API key (never ship it to a browser or an app).
const backend = createAtelierClient({ baseUrl, apiKey: process.env.ATELIER_API_KEY! }).client;

const ada = await unwrap(backend.POST("/v1/users", { body: { display_name: "Ada" } }));
const grace = await unwrap(backend.POST("/v1/users", { body: { display_name: "Grace" } }));
const workspace = await unwrap(
  backend.POST("/v1/workspaces", { body: { name: "Design", owner_id: ada.id } }),
);
await unwrap(
  backend.PUT("/v1/workspaces/{workspace_id}/members/{user_id}", {
    params: { path: { workspace_id: workspace.id, user_id: grace.id } },
    body: { role: "member" },
  }),
);
// Mint Ada's tokens and hand them to her app.
const tokens = await unwrap(
  backend.POST("/v1/users/{user_id}/tokens", { params: { path: { user_id: ada.id } } }),
);

// 2. In Ada's app, with her tokens: refreshed automatically when the access token expires.
const app = createAtelierClient({
  baseUrl,
  accessToken: tokens.access_token,
  refreshToken: tokens.refresh_token,
  onTokens: (fresh) => console.log("new tokens, store them:", fresh.expires_in, "s"),
}).client;

const channel = await unwrap(
  app.POST("/v1/workspaces/{workspace_id}/channels", {
    params: { path: { workspace_id: workspace.id } },
    body: { kind: "private", name: "launch", member_ids: [grace.id] },
  }),
);
await unwrap(
  app.POST("/v1/channels/{channel_id}/messages", {
    params: { path: { channel_id: channel.id } },
    body: { text: `Ready, <@${grace.id}>?` },
  }),
);
const history = await unwrap(
  app.GET("/v1/channels/{channel_id}/messages", { params: { path: { channel_id: channel.id } } }),
);
for (const message of history.items) console.log(`#${message.seq} ${message.author_id}: ${message.text}`);

// Errors are typed problems.
try {
  await unwrap(app.GET("/v1/channels/{channel_id}", { params: { path: { channel_id: "chn_01JB8Z5S4Y3M2D7E1QW9XKAV0C" } } }));
} catch (err) {
  if (!(err instanceof AtelierError)) throw err;
  console.log(err.status, err.code, err.requestId);
}
