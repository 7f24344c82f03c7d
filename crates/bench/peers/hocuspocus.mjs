// The Hocuspocus server the canvas benchmark measures, run stock: no extensions, no
// persistence. Listens on HOST:PORT (defaults 127.0.0.1:1234); stops on SIGTERM/SIGINT.
import { Server } from '@hocuspocus/server'

const server = new Server({
  address: process.env.HOST || '127.0.0.1',
  port: Number.parseInt(process.env.PORT || '1234', 10),
  quiet: true,
})
await server.listen()
