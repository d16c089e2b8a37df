//! A TCP proxy in front of the test server that can stop forwarding after a number of bytes
//! (the transfer is then provably mid-file) and cut every connection: the moments the pull
//! tests need to act in, without timing guesses.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Control {
    /// Server-to-client bytes still allowed (None: no limit).
    budget: Option<u64>,
    /// Data is waiting that the budget holds back.
    holding: bool,
    cut_generation: u64,
}

pub struct Proxy {
    pub port: u16,
    control: Arc<(Mutex<Control>, Condvar)>,
}

impl Proxy {
    /// Forwards 127.0.0.1:`port` to 127.0.0.1:`target`, at most `budget` bytes to the client.
    pub fn start(target: u16, budget: Option<u64>) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let control = Arc::new((
            Mutex::new(Control {
                budget,
                ..Control::default()
            }),
            Condvar::new(),
        ));
        let c = Arc::clone(&control);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let generation = c.0.lock().unwrap().cut_generation;
                let (c1, s1) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let ctl = Arc::clone(&c);
                std::thread::spawn(move || pump(c1, s1, None, generation));
                std::thread::spawn(move || pump(server, client, Some(ctl), generation));
            }
        });
        Proxy { port, control }
    }

    /// Waits until the budget holds data back.
    pub fn wait_holding(&self, limit: Duration) {
        let (m, cv) = &*self.control;
        let deadline = Instant::now() + limit;
        let mut g = m.lock().unwrap();
        while !g.holding {
            assert!(
                Instant::now() < deadline,
                "the transfer never reached the proxy's byte budget"
            );
            g = cv.wait_timeout(g, Duration::from_millis(20)).unwrap().0;
        }
    }

    /// No limit from now on.
    pub fn release(&self) {
        let (m, cv) = &*self.control;
        let mut g = m.lock().unwrap();
        g.budget = None;
        g.holding = false;
        cv.notify_all();
    }

    /// Closes every connection open now.
    pub fn cut(&self) {
        let (m, cv) = &*self.control;
        m.lock().unwrap().cut_generation += 1;
        cv.notify_all();
    }
}

/// Copies `from` to `to`; with a control, only as the budget allows, and until a cut.
fn pump(mut from: TcpStream, mut to: TcpStream, control: Option<Arc<(Mutex<Control>, Condvar)>>, generation: u64) {
    let mut buf = vec![0u8; 64 << 10];
    from.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let cut = |c: &Control| c.cut_generation != generation;
    loop {
        if let Some(ctl) = &control
            && cut(&ctl.0.lock().unwrap())
        {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(_) => break,
        };
        let mut sent = 0;
        while sent < n {
            let allowed = match &control {
                None => n - sent,
                Some(ctl) => {
                    let (m, cv) = &**ctl;
                    let mut g = m.lock().unwrap();
                    loop {
                        if cut(&g) {
                            let _ = to.shutdown(Shutdown::Both);
                            let _ = from.shutdown(Shutdown::Both);
                            return;
                        }
                        match g.budget {
                            None => break n - sent,
                            Some(0) => {
                                g.holding = true;
                                cv.notify_all();
                                g = cv.wait_timeout(g, Duration::from_millis(20)).unwrap().0;
                            }
                            Some(b) => {
                                let k = (b as usize).min(n - sent);
                                g.budget = Some(b - k as u64);
                                break k;
                            }
                        }
                    }
                }
            };
            if to.write_all(&buf[sent..sent + allowed]).is_err() {
                return;
            }
            sent += allowed;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
