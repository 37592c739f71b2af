//! Listening sockets: one per shard on the same address, with `SO_REUSEPORT`.

use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;

/// Bind `count` listeners on `addr`. With port 0, the first picks the port and the others share it.
pub fn bind_shared(addr: SocketAddr, count: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    let mut out = Vec::with_capacity(count);
    let mut addr = addr;
    for _ in 0..count.max(1) {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        let l: std::net::TcpListener = socket.into();
        addr = l.local_addr()?;
        out.push(l);
    }
    Ok(out)
}
