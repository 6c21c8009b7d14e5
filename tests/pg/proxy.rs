//! A TCP proxy on 127.0.0.1 that tests can cut: at once, or just as head office's answer containing a marker
//! arrives (after the server committed, before the terminal hears the acknowledgement).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct State {
    /// Drop the first server reply containing this and close the connection.
    cut_on: Option<Vec<u8>>,
    /// How many replies were swallowed that way.
    cuts: usize,
    streams: Vec<TcpStream>,
}

pub struct Proxy {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let accept_state = Arc::clone(&state);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) else { continue };
                {
                    let mut state = accept_state.lock().unwrap();
                    state.streams.push(client.try_clone().unwrap());
                    state.streams.push(server.try_clone().unwrap());
                }
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pipe(client, server, None));
                let reply_state = Arc::clone(&accept_state);
                std::thread::spawn(move || pipe(s2, c2, Some(reply_state)));
            }
        });
        Proxy { port, state }
    }

    /// Rewrites a terminal's URL to go through this proxy.
    pub fn url_for(&self, url: &str, upstream_port: u16) -> String {
        url.replace(&format!(":{upstream_port}/"), &format!(":{}/", self.port))
    }

    pub fn cut_on_reply_containing(&self, marker: &str) {
        self.state.lock().unwrap().cut_on = Some(marker.as_bytes().to_vec());
    }

    pub fn cuts(&self) -> usize {
        self.state.lock().unwrap().cuts
    }

    /// Closes every connection now.
    pub fn cut_all(&self) {
        for stream in self.state.lock().unwrap().streams.drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, watch: Option<Arc<Mutex<State>>>) {
    let _ = from.set_read_timeout(Some(Duration::from_secs(120)));
    let mut buffer = [0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(state) = &watch {
            let mut state = state.lock().unwrap();
            let hit = state.cut_on.as_ref().is_some_and(|m| buffer[..n].windows(m.len()).any(|w| w == m.as_slice()));
            if hit {
                state.cut_on = None;
                state.cuts += 1;
                let _ = from.shutdown(Shutdown::Both);
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
