//! One simulated serial line as the simulator holds it: a pty master (Unix only) or a loopback TCP port (every platform).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The simulator's end of a device line; the app's end is a `serial:` path or a `tcp:127.0.0.1:PORT` address.
pub(crate) trait SimLine: Send {
    /// Reads what the app sent within about `tick`; `Ok(0)` when nothing came.
    fn read_tick(&mut self, buf: &mut [u8], tick: Duration) -> std::io::Result<usize>;
    /// Sends bytes to the app.
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

/// Ends of a pseudo-terminal pair: the simulator keeps the master, the app opens the slave by name.
#[cfg(unix)]
pub(crate) mod pty {
    use super::SimLine;
    use serialport::{SerialPort, TTYPort};
    use std::io::{ErrorKind, Read, Write};
    use std::time::Duration;

    /// A pty master, its slave (kept open so the master never reads EIO before the app connects) and the slave's path.
    pub(crate) fn pair() -> Result<(Box<dyn SimLine>, TTYPort, String), String> {
        let (master, slave) = TTYPort::pair().map_err(|e| e.to_string())?;
        let path = slave.name().ok_or("pty without a name")?;
        Ok((Box::new(Master(master)), slave, path))
    }

    struct Master(TTYPort);

    impl SimLine for Master {
        fn read_tick(&mut self, buf: &mut [u8], tick: Duration) -> std::io::Result<usize> {
            self.0.set_timeout(tick)?;
            match self.0.read(buf) {
                Err(e) if e.kind() == ErrorKind::TimedOut => Ok(0),
                other => other,
            }
        }

        fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            self.0.write_all(bytes)?;
            self.0.flush()
        }
    }
}

/// A serial device stood in for by a TCP port on 127.0.0.1: one app connection at a time, the newest wins.
pub(crate) struct Loopback {
    listener: TcpListener,
    peer: Option<TcpStream>,
}

impl Loopback {
    /// Listens on a free loopback port.
    pub(crate) fn bind() -> std::io::Result<(Self, SocketAddr)> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        Ok((Self { listener, peer: None }, address))
    }

    /// Takes the newest waiting connection, if any (never blocks).
    fn accept_waiting(&mut self) -> std::io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    stream.set_nodelay(true)?;
                    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
                    self.peer = Some(stream);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

impl SimLine for Loopback {
    fn read_tick(&mut self, buf: &mut [u8], tick: Duration) -> std::io::Result<usize> {
        self.accept_waiting()?;
        let Some(peer) = self.peer.as_mut() else {
            std::thread::sleep(tick);
            return Ok(0);
        };
        peer.set_read_timeout(Some(tick))?;
        match peer.read(buf) {
            Ok(0) => {
                self.peer = None;
                Ok(0)
            }
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(0),
            Err(_) => {
                self.peer = None;
                Ok(0)
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.accept_waiting()?;
        let peer = self.peer.as_mut().ok_or_else(|| std::io::Error::new(ErrorKind::NotConnected, "no app connected to this device yet"))?;
        let sent = peer.write_all(bytes).and_then(|()| peer.flush());
        if sent.is_err() {
            self.peer = None;
        }
        sent
    }
}
