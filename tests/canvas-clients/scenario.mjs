// Stock Yjs clients against an Atelier node: `yjs` documents synced by `y-websocket`'s
// WebsocketProvider, unchanged, with the `ws` package as Node's WebSocket (the provider's own
// `WebSocketPolyfill` option). Driven by tests/tests/canvas_stock_client.rs.
//
// Usage: node scenario.mjs <scenario> <json>
// Prints one JSON object per line: {"step": ..., ...}; exits 0 when the scenario finished
// (the Rust test checks the steps), 1 on a timeout or an exception.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const [scenario, json] = process.argv.slice(2)
const args = JSON.parse(json)
const log = (entry) => console.log(JSON.stringify(entry))

/** A provider on `doc` for the user holding `token`, connected to `base` (one of the nodes). */
const open = (base, token, { connect = true } = {}) => {
  const ydoc = new Y.Doc()
  const provider = new WebsocketProvider(base, args.document, ydoc, {
    params: { token },
    WebSocketPolyfill: WebSocket,
    disableBc: true,
    connect
  })
  const closes = []
  provider.on('connection-close', (event) => {
    if (event) closes.push(event.code)
  })
  return { ydoc, provider, closes, text: () => ydoc.getText('text').toString() }
}

const waitFor = async (what, predicate, ms = 10000) => {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const synced = (client) => waitFor('sync', () => client.provider.synced)

const scenarios = {
  // Two editors converge; offline edits merge on reconnect; awareness crosses; a viewer's
  // edits never reach anyone and its socket stays open.
  async collaborate () {
    const alice = open(args.base, args.alice)
    const bob = open(args.bob_base ?? args.base, args.bob)
    await Promise.all([synced(alice), synced(bob)])
    log({ step: 'synced' })

    alice.ydoc.getText('text').insert(0, 'hello')
    await waitFor('bob sees hello', () => bob.text() === 'hello')
    bob.ydoc.getText('text').insert(5, ' world')
    await waitFor('alice sees world', () => alice.text() === 'hello world')
    log({ step: 'converged', alice: alice.text(), bob: bob.text() })

    // Bob goes offline; both edit; Bob comes back and the edits merge.
    bob.provider.disconnect()
    alice.ydoc.getText('text').insert(0, '[a]')
    bob.ydoc.getText('text').insert(bob.text().length, '[b]')
    await new Promise((resolve) => setTimeout(resolve, 200))
    bob.provider.connect()
    await waitFor('offline edits merged', () =>
      alice.text() === bob.text() && alice.text().includes('[a]') && alice.text().includes('[b]'))
    log({ step: 'offline_merged', alice: alice.text(), bob: bob.text() })

    // Awareness: Alice's cursor reaches Bob.
    alice.provider.awareness.setLocalStateField('user', { name: 'alice', cursor: 3 })
    await waitFor('bob sees alice', () =>
      [...bob.provider.awareness.getStates().values()].some((state) => state.user?.name === 'alice'))
    log({ step: 'awareness_seen' })

    // A version, more edits, then a restore over HTTP: both clients receive it as an update.
    if (args.http) {
      const call = async (method, path, body) => {
        const response = await fetch(`${args.http}${path}`, {
          method,
          headers: { authorization: `Bearer ${args.alice}`, 'content-type': 'application/json' },
          body: body && JSON.stringify(body)
        })
        const json = await response.json()
        if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
        return json
      }
      const kept = alice.text()
      const version = await call('POST', `/v1/canvas/documents/${args.document}/versions`, { name: 'kept' })
      alice.ydoc.getText('text').insert(0, 'LATER ')
      await waitFor('bob sees the later edit', () => bob.text().startsWith('LATER '))
      await call('POST', `/v1/canvas/documents/${args.document}/versions/${version.id}/restore`)
      await waitFor('both see the restored version', () => alice.text() === kept && bob.text() === kept)
      log({ step: 'restored', alice: alice.text(), bob: bob.text(), kept })
    }

    // Alice leaves: her awareness state disappears from Bob's view.
    alice.provider.awareness.setLocalStateField('user', { name: 'alice', cursor: 4 })
    const aliceId = alice.ydoc.clientID
    alice.provider.destroy()
    await waitFor('alice gone from awareness', () => !bob.provider.awareness.getStates().has(aliceId))
    log({ step: 'awareness_removed' })

    if (args.viewer) {
      const viewer = open(args.base, args.viewer)
      await synced(viewer)
      log({ step: 'viewer_synced', text: viewer.text() })
      viewer.ydoc.getText('text').insert(0, 'VANDAL')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      log({
        step: 'viewer_dropped',
        bob: bob.text(),
        viewer_connected: viewer.provider.wsconnected,
        viewer_closes: viewer.closes
      })
      viewer.provider.destroy()
    }
    bob.provider.destroy()
  },

  // Connect and report what the server does (close codes of refused connections).
  async refused () {
    const client = open(args.base, args.token)
    await waitFor('a close', () => client.closes.length > 0)
    client.provider.destroy()
    log({ step: 'closed', code: client.closes[0] })
  }
}

const timer = setTimeout(() => { log({ step: 'timeout' }); process.exit(1) }, 60000)
try {
  await scenarios[scenario]()
  clearTimeout(timer)
  log({ step: 'done' })
  process.exit(0)
} catch (error) {
  log({ step: 'error', message: String(error?.message ?? error) })
  process.exit(1)
}
