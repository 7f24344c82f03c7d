// A typed client of the realtime WebSocket gateway (`GET /v1/realtime`), per the AsyncAPI 3.0
// document `openapi/asyncapi.json`: typed frames, subscribe/unsubscribe answered by `ack`,
// keepalive, reconnect with backoff and jitter on the close codes that call for it, and per-topic
// resume (`subscribe` with `after` = the topic's cursor) with de-duplication on `event_id`.
// No dependency: the WebSocket implementation is an option (the `ws` package, a browser's...).

// ---------------------------------------------------------------------------------------------
// Frames (components.schemas of openapi/asyncapi.json; test/realtime.test.ts checks the lists)

/** A topic, as server frames carry it: `{ kind: "channel", id: "chn_..." }`. */
export interface Topic {
  kind: string;
  id: string;
}
/** A topic in a client call: the object or the string `kind:id` (e.g. `channel:chn_...`). */
export type TopicRef = Topic | `${string}:${string}`;

export const PRESENCE_STATUSES = ["online", "away", "offline"] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export const ERROR_CODES = [
  "not_found",
  "too_many_subscriptions",
  "not_subscribed",
  "unsupported_version",
  "unknown_type",
  "unknown_topic_kind",
  "binary_not_accepted",
  "unavailable",
  "rate_limited",
] as const;
export type RealtimeErrorCode = (typeof ERROR_CODES)[number];

export const RESYNC_REASONS = ["cursor_too_old", "too_many_missed", "not_replayable", "delivery_interrupted"] as const;
export type ResyncReason = (typeof RESYNC_REASONS)[number];

export const REVOKE_REASONS = ["access_revoked", "access_check_failed"] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

interface FrameBase {
  v: 1;
}

export interface SubscribeFrame extends FrameBase {
  type: "subscribe";
  id: string;
  topic: TopicRef;
  after?: string;
}
export interface UnsubscribeFrame extends FrameBase {
  type: "unsubscribe";
  id: string;
  topic: TopicRef;
}
export interface ResumeFrame extends FrameBase {
  type: "resume";
  id: string;
  after: string;
}
export interface ClientTypingFrame extends FrameBase {
  type: "typing";
  topic: TopicRef;
}
export interface ClientPresenceFrame extends FrameBase {
  type: "presence";
  id?: string;
  workspace_id: string;
  status: PresenceStatus;
}
export interface WatchPresenceFrame extends FrameBase {
  type: "watch_presence";
  id: string;
  workspace_id: string;
}
export interface UnwatchPresenceFrame extends FrameBase {
  type: "unwatch_presence";
  id: string;
  workspace_id: string;
}
export interface PingFrame extends FrameBase {
  type: "ping";
  id?: string;
}
/** Every client text frame (`ClientFrame`). */
export type ClientFrame =
  | SubscribeFrame
  | UnsubscribeFrame
  | ResumeFrame
  | ClientTypingFrame
  | ClientPresenceFrame
  | WatchPresenceFrame
  | UnwatchPresenceFrame
  | PingFrame;

export interface HelloFrame extends FrameBase {
  type: "hello";
  session_id: string;
  user_id: string;
  max_frame_bytes: number;
  max_subscriptions: number;
  ping_interval_ms: number;
  presence_ttl_ms: number;
  topic_kinds: string[];
}
export interface AckFrame extends FrameBase {
  type: "ack";
  id: string;
  topic?: Topic;
  channel_id?: string;
  workspace_id?: string;
  /** New `subscribe`: every event of the topic after this event id is delivered. */
  position?: string;
  /** `resume`, and `subscribe` with `after`: how many events were replayed. */
  replayed?: number;
}
export interface ErrorFrame extends FrameBase {
  type: "error";
  id?: string;
  code: RealtimeErrorCode;
  message: string;
  retry_after_ms?: number;
}
export interface EventFrame<D = unknown> extends FrameBase {
  type: "event";
  topic: Topic;
  channel_id?: string;
  event_id: string;
  /** E.g. `chat.message.created`. */
  event_type: string;
  occurred_at: string;
  /** As in `GET /v1/event-types`. */
  data: D;
}
export interface ServerPresenceFrame extends FrameBase {
  type: "presence";
  workspace_id: string;
  user_id: string;
  status: PresenceStatus;
}
export interface ServerTypingFrame extends FrameBase {
  type: "typing";
  topic: Topic;
  channel_id?: string;
  user_id: string;
  /** Show the notice this long unless renewed. */
  expires_in_ms: number;
}
export interface ResyncRequiredFrame extends FrameBase {
  type: "resync_required";
  topic: Topic;
  channel_id?: string;
  reason: ResyncReason;
  /** Where to fetch what was missed (HTTP, same authentication), for kinds that have one. */
  changes_url?: string;
}
export interface SubscriptionRevokedFrame extends FrameBase {
  type: "subscription_revoked";
  topic: Topic;
  channel_id?: string;
  reason: RevokeReason;
}
export interface PongFrame extends FrameBase {
  type: "pong";
  id?: string;
}
/** Every server frame (`ServerFrame`). */
export type ServerFrame =
  | HelloFrame
  | AckFrame
  | ErrorFrame
  | EventFrame
  | ServerPresenceFrame
  | ServerTypingFrame
  | ResyncRequiredFrame
  | SubscriptionRevokedFrame
  | PongFrame;

export const CLIENT_FRAME_TYPES = [
  "subscribe",
  "unsubscribe",
  "resume",
  "typing",
  "presence",
  "watch_presence",
  "unwatch_presence",
  "ping",
] as const satisfies readonly ClientFrame["type"][];
export const SERVER_FRAME_TYPES = [
  "hello",
  "ack",
  "error",
  "event",
  "presence",
  "typing",
  "resync_required",
  "subscription_revoked",
  "pong",
] as const satisfies readonly ServerFrame["type"][];

// ---------------------------------------------------------------------------------------------
// Close codes and reconnect policy (x-close-codes of the realtime channel)

export interface CloseCodeInfo {
  name: string;
  /** Whether the AsyncAPI document says to reconnect (and resume). */
  reconnect: boolean;
}
export const CLOSE_CODES: Readonly<Record<number, CloseCodeInfo>> = {
  1000: { name: "normal", reconnect: false },
  1001: { name: "going_away", reconnect: true },
  1003: { name: "unsupported_data", reconnect: false },
  1007: { name: "malformed_frame", reconnect: false },
  1009: { name: "frame_too_large", reconnect: false },
  1011: { name: "internal_error", reconnect: true },
  4000: { name: "ping_timeout", reconnect: true },
  4001: { name: "token_expired", reconnect: true },
  4003: { name: "access_revoked", reconnect: false },
  4008: { name: "slow_consumer", reconnect: true },
  4029: { name: "rate_limited", reconnect: true },
  4030: { name: "too_many_sockets", reconnect: false },
};

export interface CloseDecision {
  reconnect: boolean;
  /** Ask `getAccessToken({ refresh: true })` for a fresh token before reconnecting (4001). */
  refreshToken: boolean;
  /** The least wait before reconnecting, in ms (a pause after 4029). */
  minDelayMs: number;
}

/**
 * What to do when the socket closed with `code`. Codes of the document follow its `reconnect`;
 * others (1005 no status, 1006 dropped without a close frame, 1012/1013 restart/try later, a
 * proxy's...) are network conditions: reconnect.
 */
export function closeDecision(code: number): CloseDecision {
  const known = CLOSE_CODES[code];
  return {
    reconnect: known ? known.reconnect : true,
    refreshToken: code === 4001,
    minDelayMs: code === 4029 ? 5_000 : 0,
  };
}

export interface BackoffOptions {
  /** The first delay, in ms (default 500). */
  initialMs?: number;
  /** The largest delay, in ms (default 30 000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
}

/**
 * The delay before reconnect attempt `attempt` (1-based): exponential, capped, with full jitter
 * (uniform in [cap/2, cap]) so that many clients dropped at once do not come back together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const cap = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** `{kind, id}` from a topic or its `kind:id` string (split at the first colon). */
export function parseTopic(topic: TopicRef): Topic {
  if (typeof topic !== "string") return { kind: topic.kind, id: topic.id };
  const colon = topic.indexOf(":");
  if (colon <= 0 || colon === topic.length - 1) throw new TypeError(`not a topic (kind:id): ${topic}`);
  return { kind: topic.slice(0, colon), id: topic.slice(colon + 1) };
}

/** The `kind:id` string of a topic. */
export function topicKey(topic: TopicRef): string {
  const { kind, id } = parseTopic(topic);
  return `${kind}:${id}`;
}

// ---------------------------------------------------------------------------------------------
// Client

/** The part of the standard WebSocket API the client uses (`ws`'s and browsers' have it). */
export interface RealtimeSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}
/** A WebSocket constructor: the standard one, or `ws`'s (which also takes `{ headers }`). */
export type RealtimeSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => RealtimeSocket;

export interface RealtimeOptions {
  /** The node's HTTP base URL (`http://127.0.0.1:8080`); `ws(s)://.../v1/realtime` is derived. */
  baseUrl: string;
  /** The user's access token (not an API key: the gateway is for end users). */
  accessToken?: string;
  /**
   * Called before each connection for the token to send; `refresh: true` after a close 4001
   * (token expired): return a fresh one (e.g. `(await atelier.refresh()).access_token`).
   */
  getAccessToken?: (context: { refresh: boolean }) => string | Promise<string>;
  /** The WebSocket implementation: `WebSocket` in browsers, `(await import("ws")).WebSocket` in Node. */
  WebSocket: RealtimeSocketConstructor;
  /**
   * `query` (default): `?access_token=`, which works everywhere. `header`: `Authorization:
   * Bearer`, which keeps the token out of URLs (logs) but needs an implementation taking
   * `{ headers }` as third argument, such as `ws`.
   */
  auth?: "query" | "header";
  reconnect?: BackoffOptions & {
    /** Give up after this many consecutive failed attempts (default: never). */
    maxAttempts?: number;
  };
  /**
   * Client `ping` frames this often (default: the `hello`'s `ping_interval_ms`); with no frame
   * heard within `pongTimeoutMs` (default 10 000) after one, the connection is taken for dead
   * and replaced. 0 turns client pings off (the server's WebSocket pings still run).
   */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** How many event ids per topic are kept to de-duplicate (default 2000). */
  dedupeWindow?: number;
  /** Sees every frame sent (`out`) and received (`in`, parsed): logging, tests. */
  onFrame?: (direction: "in" | "out", frame: ClientFrame | ServerFrame) => void;
}

export type RealtimeState = "connecting" | "open" | "reconnecting" | "closed";

/** An `error` frame answering one of your frames, or a refused operation. */
export class RealtimeError extends Error {
  readonly code: RealtimeErrorCode | "closed" | "not_connected";
  readonly retryAfterMs: number | undefined;
  readonly frame: ErrorFrame | undefined;
  constructor(code: RealtimeError["code"], message: string, frame?: ErrorFrame) {
    super(`${code}: ${message}`);
    this.name = "RealtimeError";
    this.code = code;
    this.retryAfterMs = frame?.retry_after_ms;
    this.frame = frame;
  }
}

/** Why the client stopped for good (`state` `closed`). */
export interface RealtimeClosed {
  code: number;
  reason: string;
  /** True when you called `close()`. */
  byClient: boolean;
}

export interface RealtimeEvents {
  /** A topic event, once per `event_id` (replays after reconnects are de-duplicated). */
  event: EventFrame;
  typing: ServerTypingFrame;
  presence: ServerPresenceFrame;
  /**
   * Events of the topic were missed and cannot be replayed: re-read its state over HTTP
   * (`changes_url`). The client already follows the protocol's position (or re-subscribes
   * after `delivery_interrupted`).
   */
  resync_required: ResyncRequiredFrame;
  /** You may no longer read the topic: it is dropped (no more events). */
  subscription_revoked: SubscriptionRevokedFrame;
  /** Each `hello` (each connection). */
  hello: HelloFrame;
  state: { state: RealtimeState; code?: number; reason?: string; attempt?: number; delayMs?: number };
  /** An `error` frame not answering a pending call, or a topic refused on re-subscribe. */
  error: { error: RealtimeError; topic?: Topic };
  /** The client stopped for good. */
  closed: RealtimeClosed;
}

/** What the async iterator yields. */
export type RealtimeDelivery =
  | EventFrame
  | ServerTypingFrame
  | ServerPresenceFrame
  | ResyncRequiredFrame
  | SubscriptionRevokedFrame;

export interface SubscribeOptions {
  /** Your cursor of the topic (the last `event_id` you handled, or an earlier `position`). */
  after?: string;
}

export interface RealtimeClient extends AsyncIterable<RealtimeDelivery> {
  /** Subscribes (and keeps the topic across reconnects); resolves with the `ack`. */
  subscribe(topic: TopicRef, options?: SubscribeOptions): Promise<AckFrame>;
  /** Drops the topic; resolves with the `ack` (at once when not connected). */
  unsubscribe(topic: TopicRef): Promise<AckFrame | undefined>;
  /** Sends a typing notice on a subscribed topic; false when not connected or not subscribed. */
  typing(topic: TopicRef): boolean;
  /** Sets your presence in a workspace, repeated as a heartbeat (and after reconnects) until `offline`. */
  setPresence(workspaceId: string, status: PresenceStatus): Promise<AckFrame | undefined>;
  /** Watches a workspace's presence (kept across reconnects): a snapshot, then changes. */
  watchPresence(workspaceId: string): Promise<AckFrame>;
  unwatchPresence(workspaceId: string): Promise<AckFrame | undefined>;
  /** A topic's cursor: the last event id received on it (or the ack's position). */
  cursor(topic: TopicRef): string | undefined;
  /** The subscribed topics. */
  topics(): Topic[];
  on<K extends keyof RealtimeEvents>(type: K, listener: (value: RealtimeEvents[K]) => void): () => void;
  readonly state: RealtimeState;
  /** The last `hello`. */
  readonly hello: HelloFrame | undefined;
  /** Resolves on the next `hello` (at once when open); rejects when the client stops first. */
  ready(): Promise<HelloFrame>;
  /** Closes for good (1000): no reconnect; the iterators end and pending calls are rejected. */
  close(): void;
}

interface TopicState {
  topic: Topic;
  cursor: string | undefined;
  /** Event ids seen, oldest first (bounded). */
  seen: Set<string>;
  /** True once an ack of the current connection came. */
  acked: boolean;
  waiters: Array<{ resolve: (ack: AckFrame) => void; reject: (error: RealtimeError) => void }>;
}

type Pending =
  | { kind: "subscribe"; key: string; frame: ClientFrame }
  | { kind: "call"; frame: ClientFrame; resolve: (ack: AckFrame) => void; reject: (error: RealtimeError) => void };

const OPEN = 1;

/** Connects to the realtime gateway; the client connects (and reconnects) on its own. */
export function connectRealtime(options: RealtimeOptions): RealtimeClient {
  if (options.accessToken === undefined && options.getAccessToken === undefined) {
    throw new TypeError("connectRealtime needs accessToken or getAccessToken");
  }
  const url = new URL(options.baseUrl.replace(/\/+$/, "") + "/v1/realtime");
  url.protocol = url.protocol === "https:" ? "wss:" : url.protocol === "http:" ? "ws:" : url.protocol;
  const dedupeWindow = options.dedupeWindow ?? 2000;
  const pongTimeoutMs = options.pongTimeoutMs ?? 10_000;

  const topics = new Map<string, TopicState>();
  const watches = new Set<string>();
  const presence = new Map<string, PresenceStatus>();
  const pending = new Map<string, Pending>();
  const listeners = new Map<keyof RealtimeEvents, Set<(value: any) => void>>();
  const iterators = new Set<{ push: (d: RealtimeDelivery) => void; end: () => void }>();
  let readyWaiters: Array<{ resolve: (h: HelloFrame) => void; reject: (e: Error) => void }> = [];

  let socket: RealtimeSocket | undefined;
  let state: RealtimeState = "connecting";
  let hello: HelloFrame | undefined;
  let stopped = false;
  let attempt = 0; // consecutive attempts without a hello
  let nextId = 0;
  let refreshNext = false;
  let pausedUntil = 0;
  let outbox: ClientFrame[] = [];
  let timers: ReturnType<typeof setTimeout>[] = [];
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let presenceTimer: ReturnType<typeof setInterval> | undefined;
  let deadTimer: ReturnType<typeof setTimeout> | undefined;

  const newId = (prefix: string) => `${prefix}${++nextId}`;

  function emit<K extends keyof RealtimeEvents>(type: K, value: RealtimeEvents[K]): void {
    for (const listener of listeners.get(type) ?? []) {
      try {
        listener(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    if (
      type === "event" ||
      type === "typing" ||
      type === "presence" ||
      type === "resync_required" ||
      type === "subscription_revoked"
    ) {
      for (const it of iterators) it.push(value as RealtimeDelivery);
    }
  }

  function setState(next: RealtimeState, extra: Omit<RealtimeEvents["state"], "state"> = {}): void {
    state = next;
    emit("state", { state: next, ...extra });
  }

  function later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      timers = timers.filter((t) => t !== timer);
      fn();
    }, ms);
    timers.push(timer);
  }

  function isOpen(): boolean {
    return socket !== undefined && hello !== undefined && socket.readyState === OPEN;
  }

  function send(frame: ClientFrame): void {
    if (!isOpen()) return; // re-sent after the next hello where it matters
    if (Date.now() < pausedUntil) {
      outbox.push(frame);
      return;
    }
    options.onFrame?.("out", frame);
    socket!.send(JSON.stringify(frame));
  }

  function flushOutbox(): void {
    const frames = outbox;
    outbox = [];
    for (const frame of frames) send(frame);
  }

  function subscribeFrame(entry: TopicState): SubscribeFrame {
    const id = newId("sub");
    const frame: SubscribeFrame = { v: 1, type: "subscribe", id, topic: entry.topic };
    if (entry.cursor !== undefined) frame.after = entry.cursor;
    pending.set(id, { kind: "subscribe", key: topicKey(entry.topic), frame });
    return frame;
  }

  function call(frame: ClientFrame & { id: string }): Promise<AckFrame> {
    return new Promise((resolve, reject) => {
      if (stopped) return reject(new RealtimeError("closed", "the client is closed"));
      pending.set(frame.id, { kind: "call", frame, resolve, reject });
      send(frame);
    });
  }

  // --- connection -----------------------------------------------------------------------------

  async function connect(): Promise<void> {
    if (stopped) return;
    let token: string;
    const refresh = refreshNext;
    try {
      refreshNext = false;
      if (options.getAccessToken) token = await options.getAccessToken({ refresh });
      else if (refresh) return stop({ code: 4001, reason: "token expired and no getAccessToken to refresh it", byClient: false });
      else token = options.accessToken!;
    } catch (err) {
      refreshNext = refresh; // a failed refresh is tried again, not skipped
      emit("error", { error: new RealtimeError("not_connected", `getAccessToken failed: ${String(err)}`) });
      return scheduleReconnect(1006, "getAccessToken failed", 0);
    }
    if (stopped) return;
    const target = new URL(url);
    let ws: RealtimeSocket;
    try {
      if (options.auth === "header") {
        ws = new options.WebSocket(target.toString(), [], { headers: { Authorization: `Bearer ${token}` } });
      } else {
        target.searchParams.set("access_token", token);
        ws = new options.WebSocket(target.toString());
      }
    } catch (err) {
      emit("error", { error: new RealtimeError("not_connected", String(err)) });
      return scheduleReconnect(1006, String(err), 0);
    }
    socket = ws;
    ws.onmessage = (event: { data: unknown }) => {
      if (socket !== ws) return;
      alive();
      const text = typeof event.data === "string" ? event.data : String(event.data);
      let frame: ServerFrame;
      try {
        frame = JSON.parse(text) as ServerFrame;
      } catch {
        return; // not ours to judge; the server speaks JSON
      }
      options.onFrame?.("in", frame);
      handleFrame(frame);
    };
    ws.onclose = (event: { code?: number; reason?: string }) => {
      if (socket !== ws) return;
      onClosed(event.code ?? 1006, event.reason ?? "");
    };
    ws.onerror = () => {
      /* a close follows */
    };
  }

  /** Replaces a socket that went silent (no frame after a ping within pongTimeoutMs). */
  function abandon(code: number, reason: string): void {
    const ws = socket;
    if (!ws) return;
    try {
      ws.close(code, reason);
    } catch {
      /* already closing */
    }
    onClosed(code, reason);
  }

  function onClosed(code: number, reason: string): void {
    const ws = socket;
    if (ws) ws.onmessage = ws.onclose = ws.onerror = ws.onopen = null;
    socket = undefined;
    hello = undefined;
    clearConnectionTimers();
    for (const entry of topics.values()) entry.acked = false;
    // Calls in flight are answered on no other socket: subscribe ones are re-sent after the
    // next hello (for every topic); the others are rejected.
    for (const [id, p] of pending) {
      if (p.kind === "call") p.reject(new RealtimeError("not_connected", `connection closed (${code}) before the answer`));
      pending.delete(id);
    }
    outbox = [];
    if (stopped) return;
    const decision = closeDecision(code);
    if (!decision.reconnect) return stop({ code, reason, byClient: false });
    if (decision.refreshToken) refreshNext = true;
    scheduleReconnect(code, reason, decision.minDelayMs);
  }

  function scheduleReconnect(code: number, reason: string, minDelayMs: number): void {
    attempt++;
    const max = options.reconnect?.maxAttempts ?? Infinity;
    if (attempt > max) return stop({ code, reason: `gave up after ${max} attempts (${reason})`, byClient: false });
    const delayMs = Math.max(minDelayMs, refreshNext && attempt === 1 ? 0 : backoffDelay(attempt, options.reconnect));
    setState("reconnecting", { code, reason, attempt, delayMs });
    later(() => {
      if (stopped) return;
      setState("connecting", { attempt });
      void connect();
    }, delayMs);
  }

  function stop(closed: RealtimeClosed): void {
    if (stopped && state === "closed") return;
    stopped = true;
    clearConnectionTimers();
    for (const t of timers) clearTimeout(t);
    timers = [];
    if (presenceTimer) clearInterval(presenceTimer);
    presenceTimer = undefined;
    const ws = socket;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = ws.onopen = null;
      socket = undefined;
      try {
        ws.close(1000, "client closed");
      } catch {
        /* already closing */
      }
    }
    const error = new RealtimeError("closed", `the client is closed (${closed.code} ${closed.reason})`);
    for (const p of pending.values()) if (p.kind === "call") p.reject(error);
    pending.clear();
    for (const entry of topics.values()) for (const w of entry.waiters.splice(0)) w.reject(error);
    for (const w of readyWaiters) w.reject(error);
    readyWaiters = [];
    setState("closed", { code: closed.code, reason: closed.reason });
    emit("closed", closed);
    for (const it of iterators) it.end();
    iterators.clear();
  }

  // --- keepalive ------------------------------------------------------------------------------

  function clearConnectionTimers(): void {
    if (pingTimer) clearInterval(pingTimer);
    if (deadTimer) clearTimeout(deadTimer);
    pingTimer = deadTimer = undefined;
  }

  /** Any frame proves the connection alive. */
  function alive(): void {
    if (deadTimer) clearTimeout(deadTimer);
    deadTimer = undefined;
  }

  function startKeepalive(h: HelloFrame): void {
    const interval = options.pingIntervalMs ?? h.ping_interval_ms;
    if (!(interval > 0)) return;
    pingTimer = setInterval(() => {
      if (!isOpen()) return;
      const ping: PingFrame = { v: 1, type: "ping", id: newId("ping") };
      options.onFrame?.("out", ping);
      socket!.send(JSON.stringify(ping));
      deadTimer ??= setTimeout(() => abandon(4000, "no pong"), pongTimeoutMs);
    }, interval);
  }

  function sendPresenceAll(): void {
    for (const [workspace_id, status] of presence) send({ v: 1, type: "presence", workspace_id, status });
  }

  // --- frames ---------------------------------------------------------------------------------

  function handleFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        return onHello(frame);
      case "ack":
        return onAck(frame);
      case "error":
        return onError(frame);
      case "event":
        return onEvent(frame);
      case "typing":
        if (topics.has(topicKey(frame.topic))) emit("typing", frame);
        return;
      case "presence":
        return emit("presence", frame);
      case "resync_required":
        return onResync(frame);
      case "subscription_revoked":
        return onRevoked(frame);
      case "pong":
        return;
      default:
        return; // a newer server's frame: ignored
    }
  }

  function onHello(frame: HelloFrame): void {
    hello = frame;
    attempt = 0;
    setState("open");
    emit("hello", frame);
    for (const w of readyWaiters) w.resolve(frame);
    readyWaiters = [];
    startKeepalive(frame);
    // Resume: every topic again, with after = its cursor; then presence watches and statuses.
    for (const entry of topics.values()) send(subscribeFrame(entry));
    for (const workspace_id of watches) send({ v: 1, type: "watch_presence", id: newId("watch"), workspace_id });
    sendPresenceAll();
    if (presenceTimer) clearInterval(presenceTimer);
    presenceTimer = setInterval(sendPresenceAll, Math.max(1000, Math.floor(frame.presence_ttl_ms / 2)));
  }

  function onAck(frame: AckFrame): void {
    const p = pending.get(frame.id);
    if (!p) return;
    pending.delete(frame.id);
    if (p.kind === "call") return p.resolve(frame);
    const entry = topics.get(p.key);
    if (!entry) return; // unsubscribed meanwhile
    entry.acked = true;
    if (entry.cursor === undefined && frame.position !== undefined) entry.cursor = frame.position;
    if (frame.position !== undefined) lastPosition.set(p.key, frame.position);
    for (const w of entry.waiters.splice(0)) w.resolve(frame);
  }

  /** The last ack's position per topic: where the cursor goes after a resync. */
  const lastPosition = new Map<string, string>();

  function onError(frame: ErrorFrame): void {
    const p = frame.id !== undefined ? pending.get(frame.id) : undefined;
    if (frame.code === "rate_limited") {
      pausedUntil = Date.now() + (frame.retry_after_ms ?? 1000);
      later(flushOutbox, frame.retry_after_ms ?? 1000);
      if (p) {
        outbox.push(p.frame); // re-sent after the pause, same id
        return;
      }
    }
    const error = new RealtimeError(frame.code, frame.message, frame);
    if (!p) return emit("error", { error });
    pending.delete(frame.id!);
    if (p.kind === "call") return p.reject(error);
    const entry = topics.get(p.key);
    if (!entry) return;
    if (frame.code === "unavailable") {
      // The server could not answer now: try the topic again shortly.
      later(() => topics.get(p.key) === entry && send(subscribeFrame(entry)), backoffDelay(2, options.reconnect));
      return;
    }
    topics.delete(p.key);
    lastPosition.delete(p.key);
    if (entry.waiters.length > 0) for (const w of entry.waiters.splice(0)) w.reject(error);
    else emit("error", { error, topic: entry.topic }); // refused on re-subscribe (e.g. access lost meanwhile)
  }

  function onEvent(frame: EventFrame): void {
    const key = topicKey(frame.topic);
    const entry = topics.get(key);
    if (!entry) return; // unsubscribed or revoked
    if (entry.seen.has(frame.event_id)) return; // at least once: de-duplicated
    entry.seen.add(frame.event_id);
    if (entry.seen.size > dedupeWindow) entry.seen.delete(entry.seen.values().next().value!);
    entry.cursor = frame.event_id;
    emit("event", frame);
  }

  function onResync(frame: ResyncRequiredFrame): void {
    const key = topicKey(frame.topic);
    const entry = topics.get(key);
    if (!entry) return;
    if (frame.reason === "delivery_interrupted") {
      // The subscription has ended: subscribe again with after = the cursor (replays the gap).
      entry.acked = false;
      send(subscribeFrame(entry));
    } else {
      // Not replayable: the app re-reads over HTTP; the events after the ack's position follow.
      const position = lastPosition.get(key);
      if (position !== undefined) entry.cursor = position;
    }
    emit("resync_required", frame);
  }

  function onRevoked(frame: SubscriptionRevokedFrame): void {
    const key = topicKey(frame.topic);
    const entry = topics.get(key);
    if (!entry) return;
    topics.delete(key);
    lastPosition.delete(key);
    const error = new RealtimeError("not_found", `subscription revoked (${frame.reason})`);
    for (const w of entry.waiters.splice(0)) w.reject(error);
    emit("subscription_revoked", frame);
  }

  // --- API ------------------------------------------------------------------------------------

  const client: RealtimeClient = {
    subscribe(topicRef, subscribeOptions = {}) {
      const topic = parseTopic(topicRef);
      const key = topicKey(topic);
      return new Promise<AckFrame>((resolve, reject) => {
        if (stopped) return reject(new RealtimeError("closed", "the client is closed"));
        let entry = topics.get(key);
        if (entry) {
          if (subscribeOptions.after !== undefined && entry.cursor === undefined) entry.cursor = subscribeOptions.after;
          if (entry.acked) {
            resolve({ v: 1, type: "ack", id: "", topic, ...(entry.cursor ? { position: entry.cursor } : {}) });
          } else entry.waiters.push({ resolve, reject });
          return;
        }
        entry = { topic, cursor: subscribeOptions.after, seen: new Set(), acked: false, waiters: [{ resolve, reject }] };
        topics.set(key, entry);
        send(subscribeFrame(entry)); // or after the next hello
      });
    },
    async unsubscribe(topicRef) {
      const topic = parseTopic(topicRef);
      const key = topicKey(topic);
      const entry = topics.get(key);
      if (!entry) return undefined;
      topics.delete(key);
      lastPosition.delete(key);
      for (const w of entry.waiters.splice(0)) w.reject(new RealtimeError("closed", "unsubscribed"));
      if (!isOpen()) return undefined;
      return call({ v: 1, type: "unsubscribe", id: newId("unsub"), topic });
    },
    typing(topicRef) {
      const topic = parseTopic(topicRef);
      if (!isOpen() || !topics.get(topicKey(topic))?.acked) return false;
      send({ v: 1, type: "typing", topic });
      return true;
    },
    async setPresence(workspace_id, status) {
      if (status === "offline") presence.delete(workspace_id);
      else presence.set(workspace_id, status);
      if (!isOpen()) return undefined;
      return call({ v: 1, type: "presence", id: newId("presence"), workspace_id, status });
    },
    watchPresence(workspace_id) {
      watches.add(workspace_id);
      return call({ v: 1, type: "watch_presence", id: newId("watch"), workspace_id }).catch((err: unknown) => {
        if (err instanceof RealtimeError && err.code !== "not_connected") watches.delete(workspace_id);
        throw err;
      });
    },
    async unwatchPresence(workspace_id) {
      watches.delete(workspace_id);
      if (!isOpen()) return undefined;
      return call({ v: 1, type: "unwatch_presence", id: newId("unwatch"), workspace_id });
    },
    cursor(topicRef) {
      return topics.get(topicKey(topicRef))?.cursor;
    },
    topics() {
      return [...topics.values()].map((entry) => ({ ...entry.topic }));
    },
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(listener);
      return () => set!.delete(listener);
    },
    get state() {
      return state;
    },
    get hello() {
      return hello;
    },
    ready() {
      if (hello && isOpen()) return Promise.resolve(hello);
      if (stopped) return Promise.reject(new RealtimeError("closed", "the client is closed"));
      return new Promise((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    close() {
      stop({ code: 1000, reason: "closed by the client", byClient: true });
    },
    [Symbol.asyncIterator](): AsyncIterator<RealtimeDelivery> {
      const buffer: RealtimeDelivery[] = [];
      let wake: ((r: IteratorResult<RealtimeDelivery>) => void) | undefined;
      let ended = stopped;
      const it = {
        push(d: RealtimeDelivery) {
          if (wake) {
            const w = wake;
            wake = undefined;
            w({ value: d, done: false });
          } else buffer.push(d);
        },
        end() {
          ended = true;
          if (wake) {
            const w = wake;
            wake = undefined;
            w({ value: undefined, done: true });
          }
        },
      };
      if (!ended) iterators.add(it);
      return {
        next() {
          const value = buffer.shift();
          if (value !== undefined) return Promise.resolve({ value, done: false });
          if (ended) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => (wake = resolve));
        },
        return() {
          iterators.delete(it);
          it.end();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };

  void connect();
  return client;
}
