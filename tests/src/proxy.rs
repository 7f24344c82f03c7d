//! A TCP proxy that can cut every connection on demand: the way tests take RabbitMQ (or
//! anything else) away from the server under test without touching the shared broker. It can
//! also stall: keep every connection open and accept new ones, but forward nothing (a hung
//! server, as opposed to a dead one).

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// The address of the RabbitMQ broker the tests use (from [`crate::amqp_url`]), for a proxy
/// in front of it.
pub fn broker_address() -> SocketAddr {
    use std::net::ToSocketAddrs;
    let url = crate::amqp_url();
    let authority = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("an amqp://host:port/vhost URL");
    let host_port = authority.rsplit('@').next().expect("a host and port");
    host_port
        .to_socket_addrs()
        .expect("a resolvable broker address")
        .next()
        .expect("at least one broker address")
}

/// A running proxy to `target`.
pub struct ChaosProxy {
    pub address: SocketAddr,
    open: Arc<AtomicBool>,
    generation: watch::Sender<u64>,
    stalled: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ChaosProxy {
    pub async fn start(target: SocketAddr) -> ChaosProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let open = Arc::new(AtomicBool::new(true));
        let (generation, _) = watch::channel(0_u64);
        let (stalled, _) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            listener,
            target,
            open.clone(),
            generation.clone(),
            stalled.clone(),
        ));
        ChaosProxy {
            address,
            open,
            generation,
            stalled,
            task,
        }
    }

    /// Drops every live connection and refuses new ones until [`ChaosProxy::restore`].
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Stops forwarding without closing anything: live connections stay open and silent, new
    /// ones are accepted and never answered, until [`ChaosProxy::restore`].
    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    /// Accepts connections again; after a stall, drops the connections it held silent (new
    /// ones are forwarded).
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
        if self.stalled.send_replace(false) {
            self.generation.send_modify(|g| *g += 1);
        }
    }

    /// Drops every live connection once but keeps accepting (a blip).
    pub fn reset_connections(&self) {
        self.generation.send_modify(|g| *g += 1);
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.generation.send_modify(|g| *g += 1);
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    open: Arc<AtomicBool>,
    generation: watch::Sender<u64>,
    stalled: watch::Sender<bool>,
) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            continue;
        };
        if !open.load(Ordering::SeqCst) {
            drop(inbound);
            continue;
        }
        let mut cut = generation.subscribe();
        let mut stall = stalled.subscribe();
        tokio::spawn(async move {
            let stalled_now = *stall.borrow_and_update();
            if stalled_now {
                // Hold the connection silent until the stall ends (or the proxy goes).
                cut.changed().await.ok();
                drop(inbound);
                return;
            }
            let Ok(mut outbound) = TcpStream::connect(target).await else {
                return;
            };
            let stalled = tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => false,
                _ = cut.changed() => false,
                result = stall.wait_for(|stalled| *stalled) => result.is_ok(),
            };
            if stalled {
                // Both ends stay open and nothing moves until the stall ends.
                cut.changed().await.ok();
            }
        });
    }
}
