//! The messages between the JS side of a transform and its rewriter thread, and their JS forms.
//!
//! Strict turn-taking: the thread sends a [`Msg`] and, unless it was its last, blocks until JS sends the
//! one [`Reply`] it asks for. JS never waits for the thread while the thread waits for JS, and no more
//! than one message's worth of output is ever in flight (backpressure from the body's reader).

use crate::body::copy_bytes;
use lol_html::html_content::ContentType;
use rquickjs::{Array, Ctx, IntoJs, TypedArray, Value};
use verge_js::rquickjs;

/// A token the rewriter met that a JS handler wants; carries a snapshot of what JS can read of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A start tag matched a selector with an `element` handler.
    Element {
        /// The JS handler's number.
        handler: u32,
        /// Lower-case tag name.
        tag: String,
        /// The element's namespace URI.
        namespace: &'static str,
        /// Attributes in source order, names lower-cased.
        attributes: Vec<(String, String)>,
        /// Removed by an earlier handler.
        removed: bool,
        /// Not a void element (so it has an end tag).
        can_have_content: bool,
    },
    /// A comment (in a matched element, or anywhere for a document handler).
    Comment {
        /// The JS handler's number.
        handler: u32,
        /// The comment's text.
        text: String,
        /// Removed by an earlier handler.
        removed: bool,
    },
    /// A chunk of text.
    Text {
        /// The JS handler's number.
        handler: u32,
        /// The chunk's text.
        text: String,
        /// The last (possibly empty) chunk of its text node.
        last: bool,
        /// Removed by an earlier handler.
        removed: bool,
    },
    /// The document type declaration.
    Doctype {
        /// The JS handler's number.
        handler: u32,
        /// `name`, if present.
        name: Option<String>,
        /// `publicId`, if present.
        public_id: Option<String>,
        /// `systemId`, if present.
        system_id: Option<String>,
    },
    /// The end of the document.
    End {
        /// The JS handler's number.
        handler: u32,
    },
    /// The end tag of an element whose handler called `onEndTag`.
    EndTag {
        /// The number JS gave the end-tag handler.
        handler: u32,
        /// Lower-case tag name.
        name: String,
    },
}

/// What a message from the thread is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MsgKind {
    /// All input so far is processed; the thread waits for [`Reply::Input`] or [`Reply::End`].
    NeedInput,
    /// Output produced mid-way through an input chunk; the thread waits for [`Reply::Continue`].
    Output,
    /// The document is finished; the thread has exited.
    Done,
    /// Rewriting failed (the message says why); the thread has exited.
    Failed(String),
    /// A handler must run; the thread waits for [`Reply::Commands`].
    Event(Event),
}

/// A message from the rewriter thread, with the output produced since the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Msg {
    /// Rewritten bytes, in order.
    pub output: Vec<u8>,
    /// What happened.
    pub kind: MsgKind,
}

/// Where inserted content goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Before,
    After,
    Prepend,
    Append,
    Replace,
    SetInnerContent,
}

/// One mutation a handler made, replayed on the token by the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    SetTagName(String),
    SetAttribute(String, String),
    RemoveAttribute(String),
    Insert(Place, String, bool),
    Remove,
    RemoveAndKeepContent,
    OnEndTag(u32),
    SetText(String),
    SetName(String),
}

impl Command {
    /// The lol_html content type of an insertion's `html` flag.
    pub(crate) fn content_type(html: bool) -> ContentType {
        if html {
            ContentType::Html
        } else {
            ContentType::Text
        }
    }
}

/// A message from JS to the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// The next chunk of the input document.
    Input(Vec<u8>),
    /// The input is over.
    End,
    /// The output was taken; go on with the input.
    Continue,
    /// Stop: a handler threw, the input failed, or the output was cancelled.
    Abort,
    /// A handler finished; apply its mutations and go on.
    Commands(Vec<Command>),
}

// Message and event numbers shared with `50_html_rewriter.js`.
const MSG_NEED_INPUT: i32 = 0;
const MSG_OUTPUT: i32 = 1;
const MSG_DONE: i32 = 2;
const MSG_FAILED: i32 = 3;
const MSG_EVENT: i32 = 4;
const EV_ELEMENT: i32 = 0;
const EV_COMMENT: i32 = 1;
const EV_TEXT: i32 = 2;
const EV_DOCTYPE: i32 = 3;
const EV_END: i32 = 4;
const EV_END_TAG: i32 = 5;

fn push<'js, V: IntoJs<'js>>(arr: &Array<'js>, value: V) -> rquickjs::Result<()> {
    arr.set(arr.len(), value)
}

impl Msg {
    /// `[kind, output or null, ...details]`.
    pub(crate) fn into_js<'js>(self, ctx: &Ctx<'js>) -> rquickjs::Result<Value<'js>> {
        let arr = Array::new(ctx.clone())?;
        let code = match &self.kind {
            MsgKind::NeedInput => MSG_NEED_INPUT,
            MsgKind::Output => MSG_OUTPUT,
            MsgKind::Done => MSG_DONE,
            MsgKind::Failed(_) => MSG_FAILED,
            MsgKind::Event(_) => MSG_EVENT,
        };
        push(&arr, code)?;
        if self.output.is_empty() {
            push(&arr, Value::new_null(ctx.clone()))?;
        } else {
            push(&arr, TypedArray::<u8>::new(ctx.clone(), self.output)?)?;
        }
        match self.kind {
            MsgKind::Failed(message) => push(&arr, message)?,
            MsgKind::Event(event) => event_into(ctx, &arr, event)?,
            MsgKind::NeedInput | MsgKind::Output | MsgKind::Done => {}
        }
        Ok(arr.into_value())
    }
}

fn event_into<'js>(ctx: &Ctx<'js>, arr: &Array<'js>, event: Event) -> rquickjs::Result<()> {
    match event {
        Event::Element {
            handler,
            tag,
            namespace,
            attributes,
            removed,
            can_have_content,
        } => {
            push(arr, EV_ELEMENT)?;
            push(arr, handler)?;
            push(arr, tag)?;
            push(arr, namespace)?;
            let attrs = Array::new(ctx.clone())?;
            for (i, (name, value)) in attributes.into_iter().enumerate() {
                let pair = Array::new(ctx.clone())?;
                pair.set(0, name)?;
                pair.set(1, value)?;
                attrs.set(i, pair)?;
            }
            push(arr, attrs)?;
            push(arr, removed)?;
            push(arr, can_have_content)
        }
        Event::Comment {
            handler,
            text,
            removed,
        } => {
            push(arr, EV_COMMENT)?;
            push(arr, handler)?;
            push(arr, text)?;
            push(arr, removed)
        }
        Event::Text {
            handler,
            text,
            last,
            removed,
        } => {
            push(arr, EV_TEXT)?;
            push(arr, handler)?;
            push(arr, text)?;
            push(arr, last)?;
            push(arr, removed)
        }
        Event::Doctype {
            handler,
            name,
            public_id,
            system_id,
        } => {
            push(arr, EV_DOCTYPE)?;
            push(arr, handler)?;
            push(arr, name)?;
            push(arr, public_id)?;
            push(arr, system_id)
        }
        Event::End { handler } => {
            push(arr, EV_END)?;
            push(arr, handler)
        }
        Event::EndTag { handler, name } => {
            push(arr, EV_END_TAG)?;
            push(arr, handler)?;
            push(arr, name)
        }
    }
}

/// Why a reply from JS could not be read (a bug in the prelude, not in the worker).
#[derive(Debug, thiserror::Error)]
#[error("malformed HTMLRewriter reply: {0}")]
pub(crate) struct BadReply(String);

// Reply and command numbers shared with `50_html_rewriter.js`.
const REPLY_INPUT: i32 = 0;
const REPLY_END: i32 = 1;
const REPLY_ABORT: i32 = 2;
const REPLY_COMMANDS: i32 = 3;
const REPLY_CONTINUE: i32 = 4;

impl Reply {
    /// Read `send(kind, payload)`: payload is a `Uint8Array` for input, a flat command array for
    /// commands (three slots a command: number, then two arguments).
    pub(crate) fn from_js<'js>(kind: i32, payload: &Value<'js>) -> Result<Self, BadReply> {
        let bad = |what: &str| BadReply(what.to_owned());
        match kind {
            REPLY_INPUT => {
                let bytes: TypedArray<'js, u8> = payload
                    .get()
                    .map_err(|_| bad("input is not a Uint8Array"))?;
                Ok(Self::Input(copy_bytes(&bytes)))
            }
            REPLY_END => Ok(Self::End),
            REPLY_CONTINUE => Ok(Self::Continue),
            REPLY_ABORT => Ok(Self::Abort),
            REPLY_COMMANDS => {
                let arr = payload
                    .as_array()
                    .ok_or_else(|| bad("commands are not an array"))?;
                let mut commands = Vec::with_capacity(arr.len() / 3);
                let mut i = 0;
                while i + 2 < arr.len() {
                    let op: i32 = arr.get(i).map_err(|_| bad("command number"))?;
                    let a: Value<'js> = arr.get(i + 1).map_err(|_| bad("argument"))?;
                    let b: Value<'js> = arr.get(i + 2).map_err(|_| bad("argument"))?;
                    commands.push(command(op, &a, &b).ok_or_else(|| bad("unknown command"))?);
                    i += 3;
                }
                Ok(Self::Commands(commands))
            }
            _ => Err(bad("unknown reply")),
        }
    }
}

fn string(v: &Value<'_>) -> Option<String> {
    v.as_string().and_then(|s| s.to_string().ok())
}

fn command(op: i32, a: &Value<'_>, b: &Value<'_>) -> Option<Command> {
    let place = |p| Some(Command::Insert(p, string(a)?, b.as_bool()?));
    match op {
        0 => Some(Command::SetTagName(string(a)?)),
        1 => Some(Command::SetAttribute(string(a)?, string(b)?)),
        2 => Some(Command::RemoveAttribute(string(a)?)),
        3 => place(Place::Before),
        4 => place(Place::After),
        5 => place(Place::Prepend),
        6 => place(Place::Append),
        7 => place(Place::Replace),
        8 => place(Place::SetInnerContent),
        9 => Some(Command::Remove),
        10 => Some(Command::RemoveAndKeepContent),
        11 => {
            let n = a.as_number()?;
            if !(n >= 0.0 && n <= f64::from(u32::MAX) && n.fract() == 0.0) {
                return None;
            }
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked to be a whole number in u32's range"
            )]
            let id = n as u32;
            Some(Command::OnEndTag(id))
        }
        12 => Some(Command::SetText(string(a)?)),
        13 => Some(Command::SetName(string(a)?)),
        _ => None,
    }
}
