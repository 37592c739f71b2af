//! Installing the Web APIs into a fresh isolate, and the per-isolate state the host keeps.

use crate::body::BodyTable;
use crate::fetch::Host;
use crate::{body, cache, console, crypto, encoding, fetch, prelude, sandbox, timers, url};
use rquickjs::{Ctx, Object, Persistent, Value};
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use verge_js::rquickjs;
use verge_js::{Guard, IsolateConfig, Ops, Setup};

/// Per-isolate state of the Web layer.
pub struct WebState {
    pub(crate) entry: Persistent<Object<'static>>,
    pub(crate) bodies: Rc<BodyTable>,
    pub(crate) host: Rc<RefCell<Option<Rc<dyn Host>>>>,
    pub(crate) worker_name: console::WorkerName,
    /// The current request's end has run in JS (`endRequest`).
    pub(crate) ended: std::cell::Cell<bool>,
}

/// Installs verge's Web APIs; the [`Setup`] every worker isolate is built with.
#[derive(Debug, Default, Clone)]
pub struct WebSetup;

impl Setup for WebSetup {
    fn install<'js>(
        &self,
        ctx: &Ctx<'js>,
        ops: &Rc<Ops>,
        _guard: &Rc<Guard>,
    ) -> rquickjs::Result<Rc<dyn Any>> {
        let worker_name = console::WorkerName::default();
        let bodies = Rc::new(BodyTable::default());
        let host: Rc<RefCell<Option<Rc<dyn Host>>>> = Rc::new(RefCell::new(None));
        let target = Object::new(ctx.clone())?;
        console::register(ctx, &target, &worker_name)?;
        sandbox::register(ctx, &target, ops)?;
        url::register(ctx, &target)?;
        crate::urlpattern::register(ctx, &target)?;
        encoding::register(ctx, &target)?;
        crate::html_rewriter::register(ctx, &target)?;
        crypto::register(ctx, &target)?;
        crate::compression::register(ctx, &target)?;
        timers::register(ctx, &target, ops)?;
        body::register(ctx, &target, ops, &bodies)?;
        fetch::register(ctx, &target, ops, &bodies, &host)?;
        cache::register(ctx, &target, &host)?;
        prelude::register(ctx, &target)?;
        let entry = prelude::install(ctx, target)?;
        Ok(Rc::new(WebState {
            entry: Persistent::save(ctx, entry),
            bodies,
            host,
            worker_name,
            ended: std::cell::Cell::new(true),
        }))
    }

    fn configure<'js>(
        &self,
        ctx: &Ctx<'js>,
        state: &Rc<dyn Any>,
        config: &IsolateConfig,
    ) -> rquickjs::Result<()> {
        let Some(state) = state.downcast_ref::<WebState>() else {
            return Err(rquickjs::Error::Unknown);
        };
        *state.worker_name.borrow_mut() = config.name.clone();
        let env: Vec<Vec<String>> = config
            .env
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect();
        state
            .entry
            .clone()
            .restore(ctx)?
            .get::<_, rquickjs::Function<'js>>("setEnv")?
            .call::<_, ()>((env,))
    }

    fn builtins(&self) -> verge_js::loader::Builtins {
        sandbox::builtin_source
    }

    fn rejection_handler(&self) -> verge_js::RejectionHandler {
        report_rejection
    }

    fn bind<'js>(
        &self,
        ctx: &Ctx<'js>,
        state: &Rc<dyn Any>,
        namespace: Object<'js>,
    ) -> Result<(), String> {
        let state = state
            .downcast_ref::<WebState>()
            .ok_or("isolate was not set up by the web layer")?;
        let entry = state
            .entry
            .clone()
            .restore(ctx)
            .map_err(|e| e.to_string())?;
        let bind: rquickjs::Function<'js> = entry.get("bind").map_err(|e| e.to_string())?;
        let problem: Value<'js> = bind.call((namespace,)).map_err(|e| {
            let thrown = ctx.catch();
            format!("{e}: {thrown:?}")
        })?;
        match problem.as_string() {
            Some(s) => Err(s.to_string().unwrap_or_default()),
            None => Ok(()),
        }
    }
}

/// Give an unhandled rejection to the prelude (which fires `unhandledrejection` and logs it if nobody handles it).
fn report_rejection<'js>(
    ctx: &Ctx<'js>,
    state: &Rc<dyn Any>,
    promise: Value<'js>,
    reason: Value<'js>,
) {
    let Some(state) = state.downcast_ref::<WebState>() else {
        return;
    };
    let called = state.entry.clone().restore(ctx).and_then(|entry| {
        entry
            .get::<_, rquickjs::Function<'js>>("onUnhandledRejection")?
            .call::<_, ()>((promise, reason))
    });
    if called.is_err() {
        let thrown = ctx.catch();
        tracing::warn!("reporting an unhandled rejection failed: {thrown:?}");
    }
}
