// The README's realtime example, as run by test.sh:
//   ATELIER_BASE_URL=http://127.0.0.1:8080 ATELIER_API_KEY=atk_... node dist/examples/realtime.js
import { WebSocket } from "ws"; // Node 20; in a browser, pass the global WebSocket
import { connectRealtime, createAtelierClient, unwrap } from "@atelier/sdk";

const baseUrl = process.env.ATELIER_BASE_URL ?? "http://127.0.0.1:8080";

// Your backend creates a user, a workspace and a channel, and mints the user's tokens.
const backend = createAtelierClient({ baseUrl, apiKey: process.env.ATELIER_API_KEY! }).client;
const ada = await unwrap(backend.POST("/v1/users", { body: { display_name: "Ada" } }));
const workspace = await unwrap(backend.POST("/v1/workspaces", { body: { name: "Live", owner_id: ada.id } }));
const tokens = await unwrap(backend.POST("/v1/users/{user_id}/tokens", { params: { path: { user_id: ada.id } } }));

// Ada's app: HTTP and realtime with her tokens.
const atelier = createAtelierClient({ baseUrl, accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
const channel = await unwrap(
  atelier.client.POST("/v1/workspaces/{workspace_id}/channels", {
    params: { path: { workspace_id: workspace.id } },
    body: { kind: "private", name: "live" },
  }),
);

const realtime = connectRealtime({
  baseUrl,
  WebSocket,
  // Asked before each connection; with refresh: true after a close 4001 (token expired).
  getAccessToken: async ({ refresh }) => (refresh ? (await atelier.refresh()).access_token : atelier.credential()),
});
realtime.on("typing", (notice) => console.log(`${notice.user_id} is typing`));
realtime.on("resync_required", (frame) => console.log("missed events: reload from", frame.changes_url));
realtime.on("subscription_revoked", (frame) => console.log("no longer readable:", frame.topic.id));
realtime.on("closed", ({ code, reason }) => console.log("stopped for good:", code, reason));

const ack = await realtime.subscribe(`channel:${channel.id}`); // or { kind: "channel", id: channel.id }
console.log("subscribed; events after", ack.position, "follow");

await unwrap(
  atelier.client.POST("/v1/channels/{channel_id}/messages", {
    params: { path: { channel_id: channel.id } },
    body: { text: "Hello, realtime" },
  }),
);
// Events (de-duplicated, resumed across reconnects) as an async iterator, or realtime.on("event", ...).
for await (const frame of realtime) {
  if (frame.type !== "event") continue;
  console.log(frame.event_type, frame.event_id, frame.data);
  if (frame.event_type === "chat.message.created") break;
}
realtime.close();
