//! `HTMLRewriter` (the Workers API): streaming HTML rewriting with lol_html, driven by JS handlers.
//!
//! The class is JS (`js/50_html_rewriter.js`); this module gives it a *session* per `transform()`. A
//! session owns a dedicated thread that runs lol_html ([`thread`]) and talks to JS over two channels
//! ([`protocol`]):
//!
//! - JS feeds the input document chunk by chunk, only when the transformed body is read (backpressure).
//! - When lol_html meets a token a handler wants, the thread sends a snapshot of it (tag name, attributes,
//!   text, ...) and blocks. JS runs the handler on an object that models the token, awaits it if it
//!   returns a promise, then sends back the mutations the handler made; the thread replays them on the
//!   real token and lets lol_html go on. One round trip per handler call, whatever the handler does.
//! - Values lol_html would refuse (tag names, attribute names, comment text) are checked by the session
//!   while the handler runs ([`names`]), so the handler gets the TypeError at the call, as on Workers.
//!
//! JS waits for the thread with a blocking receive: the thread is always working when JS waits (it never
//! waits for JS at the same time), so the wait is as long as lol_html takes on at most one input piece.

mod names;
mod protocol;
mod thread;

use protocol::{Msg, MsgKind, Reply};
use rquickjs::function::Opt;
use rquickjs::{Ctx, Function, Object, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;
use thread::{Config, DocumentHandlers, SelectorHandlers};
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// Most rewriter threads running at once in this process; a transform that would start one more fails
/// with a TypeError when its body is first read.
pub const MAX_RUNNING_REWRITERS: usize = 256;

/// How long JS waits for a rewriter thread before declaring it stuck (it is never expected to take long:
/// it only ever works on one input piece at a time).
const STUCK_AFTER: Duration = Duration::from_secs(30);

/// Native stack of a rewriter thread (address space; pages are committed as they are used). Ample for
/// compiling the largest selectors [`names::check_selector_bounds`] lets through.
const THREAD_STACK: usize = 8 * 1024 * 1024;

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// One of the [`MAX_RUNNING_REWRITERS`] places, given back when the thread ends.
struct Slot;

impl Slot {
    fn take() -> Option<Self> {
        RUNNING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_RUNNING_REWRITERS).then_some(n + 1)
            })
            .ok()
            .map(|_| Self)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::AcqRel);
    }
}

enum Conn {
    /// Not started yet: the thread starts when the body is first read.
    Idle(Config),
    Running {
        tx: Sender<Reply>,
        rx: Receiver<Msg>,
    },
    /// Finished, failed or stopped. Dropping the channels ends a thread still waiting for JS.
    Closed,
}

/// The JS side's handle on one transform.
struct Session {
    conn: RefCell<Conn>,
    encoding: &'static encoding_rs::Encoding,
}

impl Session {
    fn start(&self) -> Result<(), String> {
        let mut conn = self.conn.borrow_mut();
        let Conn::Idle(config) = &*conn else {
            return Ok(());
        };
        let config = config.clone();
        let slot = Slot::take().ok_or("too many HTMLRewriter transforms are running at once")?;
        let (tx, thread_rx) = mpsc::channel();
        let (thread_tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("verge-html-rewriter".into())
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let _slot = slot;
                thread::run(&config, thread_tx, thread_rx);
            })
            .map_err(|e| format!("cannot start the HTML rewriter: {e}"))?;
        *conn = Conn::Running { tx, rx };
        Ok(())
    }

    fn send(&self, reply: Reply) -> Result<(), String> {
        if reply == Reply::Abort {
            // Dropping the channels stops the thread wherever it waits.
            *self.conn.borrow_mut() = Conn::Closed;
            return Ok(());
        }
        self.start()?;
        let mut conn = self.conn.borrow_mut();
        match &*conn {
            Conn::Running { tx, .. } if tx.send(reply).is_ok() => Ok(()),
            Conn::Running { .. } => {
                *conn = Conn::Closed;
                Err("the HTML rewriter stopped unexpectedly".into())
            }
            Conn::Idle(_) | Conn::Closed => Err("the HTML rewriter has already finished".into()),
        }
    }

    fn recv(&self) -> Result<Msg, String> {
        self.start()?;
        let mut conn = self.conn.borrow_mut();
        let Conn::Running { rx, .. } = &*conn else {
            return Err("the HTML rewriter has already finished".into());
        };
        match rx.recv_timeout(STUCK_AFTER) {
            Ok(msg) => {
                if matches!(msg.kind, MsgKind::Done | MsgKind::Failed(_)) {
                    *conn = Conn::Closed;
                }
                Ok(msg)
            }
            Err(RecvTimeoutError::Timeout) => {
                *conn = Conn::Closed;
                Err("the HTML rewriter stopped responding".into())
            }
            Err(RecvTimeoutError::Disconnected) => {
                *conn = Conn::Closed;
                Err("the HTML rewriter stopped unexpectedly".into())
            }
        }
    }
}

fn ids(raw: &[i32]) -> impl Iterator<Item = Option<u32>> + '_ {
    raw.iter().map(|&n| u32::try_from(n).ok())
}

fn config(
    selectors: Vec<String>,
    element_ids: &[i32],
    document_ids: &[i32],
    encoding: &'static encoding_rs::Encoding,
) -> Config {
    let mut e = ids(element_ids);
    let mut next = move || e.next().flatten();
    let selectors = selectors
        .into_iter()
        .map(|selector| SelectorHandlers {
            selector,
            element: next(),
            comments: next(),
            text: next(),
        })
        .collect();
    let documents = ids(document_ids)
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| DocumentHandlers {
            doctype: c.first().copied().flatten(),
            comments: c.get(1).copied().flatten(),
            text: c.get(2).copied().flatten(),
            end: c.get(3).copied().flatten(),
        })
        .collect();
    Config {
        selectors,
        documents,
        encoding,
    }
}

/// Register `htmlSelectorCheck(selector)` and
/// `htmlRewriterStart(selectors, elementIds, documentIds, charset)` on the ops object.
///
/// `elementIds` has three numbers a selector (element, comments, text handler; -1 for none), `documentIds`
/// four an `onDocument` (doctype, comments, text, end). The session object has `recv()` (the next
/// message, blocking), `send(kind, payload)` and `check(kind, value)` (throws lol_html's TypeError).
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "htmlSelectorCheck",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, selector: String| -> rquickjs::Result<()> {
                if let Some(why) = names::check_selector_bounds(&selector) {
                    return Err(OpError::Type(format!("Parser error: {why}")).throw(&ctx));
                }
                selector
                    .parse::<lol_html::Selector>()
                    .map(|_| ())
                    .map_err(|e| OpError::Type(format!("Parser error: {e}")).throw(&ctx))
            },
        )?,
    )?;
    target.set(
        "htmlRewriterStart",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             selectors: Vec<String>,
             element_ids: Vec<i32>,
             document_ids: Vec<i32>,
             charset: Option<String>|
             -> rquickjs::Result<Object<'js>> {
                let encoding = match charset {
                    None => encoding_rs::UTF_8,
                    Some(label) => {
                        encoding_rs::Encoding::for_label_no_replacement(label.as_bytes())
                            .filter(|e| e.is_ascii_compatible())
                            .ok_or_else(|| {
                                OpError::Type(format!(
                                    "Parser error: unsupported encoding \"{label}\""
                                ))
                                .throw(&ctx)
                            })?
                    }
                };
                let config = config(selectors, &element_ids, &document_ids, encoding);
                session_object(&ctx, config, encoding)
            },
        )?,
    )?;
    Ok(())
}

fn session_object<'js>(
    ctx: &Ctx<'js>,
    config: Config,
    encoding: &'static encoding_rs::Encoding,
) -> rquickjs::Result<Object<'js>> {
    let session = Rc::new(Session {
        conn: RefCell::new(Conn::Idle(config)),
        encoding,
    });
    let obj = Object::new(ctx.clone())?;
    let s = session.clone();
    obj.set(
        "recv",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>| -> rquickjs::Result<Value<'js>> {
                match s.recv() {
                    Ok(msg) => msg.into_js(&ctx),
                    Err(e) => Err(OpError::Type(e).throw(&ctx)),
                }
            },
        )?,
    )?;
    let s = session.clone();
    obj.set(
        "send",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, kind: i32, payload: Opt<Value<'js>>| -> rquickjs::Result<()> {
                let payload = payload
                    .0
                    .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
                let reply = Reply::from_js(kind, &payload)
                    .map_err(|e| OpError::Type(e.to_string()).throw(&ctx))?;
                s.send(reply).map_err(|e| OpError::Type(e).throw(&ctx))
            },
        )?,
    )?;
    obj.set(
        "check",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, kind: i32, value: String| -> rquickjs::Result<()> {
                let Some(kind) = names::Kind::from_code(kind) else {
                    return Err(OpError::Type("unknown check".into()).throw(&ctx));
                };
                match names::check(kind, &value, session.encoding) {
                    Some(message) => Err(OpError::Type(message).throw(&ctx)),
                    None => Ok(()),
                }
            },
        )?,
    )?;
    Ok(obj)
}
