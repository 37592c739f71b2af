//! The rewriter thread of one transform: lol_html runs here, and every handler call blocks until JS replies.
//!
//! lol_html's handlers are synchronous closures that must finish mutating a token before they return, but a
//! Workers handler may be async. Running the rewriter on its own thread lets a handler closure wait (blocked
//! on a channel) for as long as the JS handler's promise takes, the way workerd runs lol_html on a fiber.

use super::protocol::{Command, Event, Msg, MsgKind, Place, Reply};
use encoding_rs::Encoding;
use lol_html::errors::RewritingError;
use lol_html::html_content::{Comment, Doctype, DocumentEnd, Element, EndTag, TextChunk};
use lol_html::{
    AsciiCompatibleEncoding, DocumentContentHandlers, ElementContentHandlers, HandlerResult,
    HtmlRewriter, MemorySettings, Selector, Settings,
};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, Sender};

/// Input is fed to lol_html in pieces of at most this many bytes.
const PIECE: usize = 16 * 1024;
/// Output is handed to JS mid-chunk once this many bytes have piled up (and the thread waits until JS
/// has taken it).
const FLUSH: usize = 16 * 1024;
/// lol_html's bound on its own buffers (a start tag split over many chunks, say), as on Workers.
const MAX_PARSER_MEMORY: usize = 3 * 1024 * 1024;

/// The handlers of one `on(selector, ...)`, by the numbers JS gave them.
#[derive(Debug, Clone)]
pub(crate) struct SelectorHandlers {
    pub selector: String,
    pub element: Option<u32>,
    pub comments: Option<u32>,
    pub text: Option<u32>,
}

/// The handlers of one `onDocument(...)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocumentHandlers {
    pub doctype: Option<u32>,
    pub comments: Option<u32>,
    pub text: Option<u32>,
    pub end: Option<u32>,
}

/// Everything the thread needs to build its rewriter.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub selectors: Vec<SelectorHandlers>,
    pub documents: Vec<DocumentHandlers>,
    pub encoding: &'static Encoding,
}

/// A handler closure's error when JS went away or asked to stop.
#[derive(Debug, thiserror::Error)]
#[error("the transform was stopped")]
struct Stopped;

/// A command that does not apply to the token it came with (a prelude bug).
#[derive(Debug, thiserror::Error)]
#[error("{0:?} does not apply to this kind of token")]
struct Misplaced(Command);

/// The thread's end of the channels, shared by every handler closure and the output sink.
struct Link {
    tx: Sender<Msg>,
    rx: Receiver<Reply>,
    output: Rc<RefCell<Vec<u8>>>,
    stopped: Cell<bool>,
}

impl Link {
    fn send(&self, kind: MsgKind) -> bool {
        let output = std::mem::take(&mut *self.output.borrow_mut());
        self.tx.send(Msg { output, kind }).is_ok()
    }

    /// Hand `event` to JS and wait for the handler's mutations.
    fn ask(&self, event: Event) -> Result<Vec<Command>, Stopped> {
        if !self.stopped.get()
            && self.send(MsgKind::Event(event))
            && let Ok(Reply::Commands(commands)) = self.rx.recv()
        {
            return Ok(commands);
        }
        self.stopped.set(true);
        Err(Stopped)
    }
}

/// Rewrite one document, talking to JS over `tx`/`rx` until it is done, fails, or JS stops it.
pub(crate) fn run(config: &Config, tx: Sender<Msg>, rx: Receiver<Reply>) {
    let link = Rc::new(Link {
        tx,
        rx,
        output: Rc::new(RefCell::new(Vec::new())),
        stopped: Cell::new(false),
    });
    let outcome = rewrite(config, &link);
    if link.stopped.get() {
        return;
    }
    match outcome {
        Ok(true) => {
            link.send(MsgKind::Done);
        }
        Ok(false) => {}
        Err(message) => {
            link.send(MsgKind::Failed(message));
        }
    }
}

fn describe(error: &RewritingError) -> String {
    format!("Parser error: {error}")
}

/// `Ok(true)` when the document is finished, `Ok(false)` when JS stopped it.
fn rewrite(config: &Config, link: &Rc<Link>) -> Result<bool, String> {
    let settings = settings(config, link)?;
    let sink = link.output.clone();
    let mut rewriter = HtmlRewriter::new(settings, move |chunk: &[u8]| {
        sink.borrow_mut().extend_from_slice(chunk);
    });
    loop {
        if !link.send(MsgKind::NeedInput) {
            return Ok(false);
        }
        match link.rx.recv() {
            Ok(Reply::Input(bytes)) => {
                for piece in bytes.chunks(PIECE) {
                    rewriter.write(piece).map_err(|e| describe(&e))?;
                    if link.output.borrow().len() >= FLUSH {
                        let taken = link.send(MsgKind::Output)
                            && matches!(link.rx.recv(), Ok(Reply::Continue));
                        if !taken {
                            return Ok(false);
                        }
                    }
                }
            }
            Ok(Reply::End) => {
                rewriter.end().map_err(|e| describe(&e))?;
                return Ok(true);
            }
            Ok(Reply::Commands(_) | Reply::Continue) => {
                return Err("HTMLRewriter: a reply out of turn".into());
            }
            Ok(Reply::Abort) | Err(_) => return Ok(false),
        }
    }
}

fn settings<'h>(config: &Config, link: &Rc<Link>) -> Result<Settings<'h, 'static>, String> {
    let encoding = AsciiCompatibleEncoding::new(config.encoding).ok_or_else(|| {
        format!(
            "Parser error: unsupported encoding {}",
            config.encoding.name()
        )
    })?;
    let mut settings = Settings::new()
        .with_encoding(encoding)
        .with_strict(true)
        .with_memory_settings(
            MemorySettings::new().with_max_allowed_memory_usage(MAX_PARSER_MEMORY),
        );
    for s in &config.selectors {
        if let Some(why) = super::names::check_selector_bounds(&s.selector) {
            return Err(format!("Parser error: {why}"));
        }
        let selector: Selector = s
            .selector
            .parse()
            .map_err(|e| format!("Parser error: {e}"))?;
        let mut handlers = ElementContentHandlers::default();
        if let Some(id) = s.element {
            let l = link.clone();
            handlers = handlers.element(move |el: &mut Element<'_, '_>| on_element(&l, id, el));
        }
        if let Some(id) = s.comments {
            let l = link.clone();
            handlers = handlers.comments(move |c: &mut Comment<'_>| on_comment(&l, id, c));
        }
        if let Some(id) = s.text {
            let l = link.clone();
            handlers = handlers.text(move |t: &mut TextChunk<'_>| on_text(&l, id, t));
        }
        settings = settings.append_element_content_handler((Cow::Owned(selector), handlers));
    }
    for d in &config.documents {
        let mut handlers = DocumentContentHandlers::default();
        if let Some(id) = d.doctype {
            let l = link.clone();
            handlers = handlers.doctype(move |d: &mut Doctype<'_>| on_doctype(&l, id, d));
        }
        if let Some(id) = d.comments {
            let l = link.clone();
            handlers = handlers.comments(move |c: &mut Comment<'_>| on_comment(&l, id, c));
        }
        if let Some(id) = d.text {
            let l = link.clone();
            handlers = handlers.text(move |t: &mut TextChunk<'_>| on_text(&l, id, t));
        }
        if let Some(id) = d.end {
            let l = link.clone();
            handlers = handlers.end(move |e: &mut DocumentEnd<'_>| on_end(&l, id, e));
        }
        settings = settings.append_document_content_handler(handlers);
    }
    Ok(settings)
}

fn on_element(link: &Rc<Link>, handler: u32, el: &mut Element<'_, '_>) -> HandlerResult {
    let event = Event::Element {
        handler,
        tag: el.tag_name(),
        namespace: el.namespace_uri(),
        attributes: el
            .attributes()
            .iter()
            .map(|a| (a.name(), a.value()))
            .collect(),
        removed: el.removed(),
        can_have_content: el.can_have_content(),
    };
    for command in link.ask(event)? {
        match command {
            Command::SetTagName(name) => el.set_tag_name(&name)?,
            Command::SetAttribute(name, value) => el.set_attribute(&name, &value)?,
            Command::RemoveAttribute(name) => el.remove_attribute(&name),
            Command::Insert(place, content, html) => {
                let ct = Command::content_type(html);
                match place {
                    Place::Before => el.before(&content, ct),
                    Place::After => el.after(&content, ct),
                    Place::Prepend => el.prepend(&content, ct),
                    Place::Append => el.append(&content, ct),
                    Place::Replace => el.replace(&content, ct),
                    Place::SetInnerContent => el.set_inner_content(&content, ct),
                }
            }
            Command::Remove => el.remove(),
            Command::RemoveAndKeepContent => el.remove_and_keep_content(),
            Command::OnEndTag(id) => {
                let Some(handlers) = el.end_tag_handlers() else {
                    return Err(format!("{} can't have content", el.tag_name()).into());
                };
                // As on Workers, a later onEndTag replaces an earlier one.
                handlers.clear();
                let l = link.clone();
                handlers.push(Box::new(move |end: &mut EndTag<'_>| {
                    on_end_tag(&l, id, end)
                }));
            }
            other @ (Command::SetText(_) | Command::SetName(_)) => {
                return Err(Misplaced(other).into());
            }
        }
    }
    Ok(())
}

fn on_comment(link: &Rc<Link>, handler: u32, c: &mut Comment<'_>) -> HandlerResult {
    let event = Event::Comment {
        handler,
        text: c.text(),
        removed: c.removed(),
    };
    for command in link.ask(event)? {
        match command {
            Command::SetText(text) => c.set_text(&text)?,
            Command::Insert(Place::Before, content, html) => {
                c.before(&content, Command::content_type(html));
            }
            Command::Insert(Place::After, content, html) => {
                c.after(&content, Command::content_type(html));
            }
            Command::Insert(Place::Replace, content, html) => {
                c.replace(&content, Command::content_type(html));
            }
            Command::Remove => c.remove(),
            other => return Err(Misplaced(other).into()),
        }
    }
    Ok(())
}

fn on_text(link: &Rc<Link>, handler: u32, t: &mut TextChunk<'_>) -> HandlerResult {
    let event = Event::Text {
        handler,
        text: t.as_str().to_owned(),
        last: t.last_in_text_node(),
        removed: t.removed(),
    };
    for command in link.ask(event)? {
        match command {
            Command::Insert(Place::Before, content, html) => {
                t.before(&content, Command::content_type(html));
            }
            Command::Insert(Place::After, content, html) => {
                t.after(&content, Command::content_type(html));
            }
            Command::Insert(Place::Replace, content, html) => {
                t.replace(&content, Command::content_type(html));
            }
            Command::Remove => t.remove(),
            other => return Err(Misplaced(other).into()),
        }
    }
    Ok(())
}

fn on_doctype(link: &Rc<Link>, handler: u32, d: &mut Doctype<'_>) -> HandlerResult {
    let event = Event::Doctype {
        handler,
        name: d.name(),
        public_id: d.public_id(),
        system_id: d.system_id(),
    };
    match link.ask(event)?.into_iter().next() {
        Some(other) => Err(Misplaced(other).into()),
        None => Ok(()),
    }
}

fn on_end(link: &Rc<Link>, handler: u32, end: &mut DocumentEnd<'_>) -> HandlerResult {
    for command in link.ask(Event::End { handler })? {
        match command {
            Command::Insert(Place::Append, content, html) => {
                end.append(&content, Command::content_type(html));
            }
            other => return Err(Misplaced(other).into()),
        }
    }
    Ok(())
}

fn on_end_tag(link: &Rc<Link>, handler: u32, end: &mut EndTag<'_>) -> HandlerResult {
    let event = Event::EndTag {
        handler,
        name: end.name(),
    };
    for command in link.ask(event)? {
        match command {
            Command::SetName(name) => end.set_name(name),
            Command::Insert(Place::Before, content, html) => {
                end.before(&content, Command::content_type(html));
            }
            Command::Insert(Place::After, content, html) => {
                end.after(&content, Command::content_type(html));
            }
            Command::Remove => end.remove(),
            other => return Err(Misplaced(other).into()),
        }
    }
    Ok(())
}
