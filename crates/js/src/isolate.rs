//! An isolate: one QuickJS runtime and context, with a worker's modules evaluated, under limits.

use crate::alloc::{MemoryMeter, MeteredAllocator};
use crate::loader::Builtins;
use crate::loader::{BundleLoader, BundleResolver, Source};
use crate::ops::Ops;
use crate::{Error, Guard, JsError, Result};
use rquickjs::Persistent;
use rquickjs::context::intrinsic;
use rquickjs::{Context, Ctx, Module, Object, Promise, Runtime, Value, promise::PromiseState};
use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use verge_core::Limits;

/// What an isolate is built with.
#[derive(Clone)]
pub struct IsolateConfig {
    /// The worker's name, for logs.
    pub name: String,
    /// The worker's limits.
    pub limits: Limits,
    /// The worker's `env`: vars and secrets by name.
    pub env: BTreeMap<String, String>,
    /// Whether `eval()` and `new Function()` work (off unless the manifest allows them).
    pub allow_eval: bool,
}

impl std::fmt::Debug for IsolateConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print env values: they include secrets.
        f.debug_struct("IsolateConfig")
            .field("name", &self.name)
            .field("limits", &self.limits)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("allow_eval", &self.allow_eval)
            .finish()
    }
}

/// Installs the host's globals into a fresh context and finds the worker's handler.
pub trait Setup {
    /// Install globals (the Web APIs) into `ctx`; returns the host's per-isolate state. Nothing here may
    /// depend on the worker: isolates are installed ahead of time, before anyone knows which worker they serve.
    fn install<'js>(
        &self,
        ctx: &Ctx<'js>,
        ops: &Rc<Ops>,
        guard: &Rc<Guard>,
    ) -> rquickjs::Result<Rc<dyn Any>>;

    /// Give an installed isolate its worker's name and `env`, before the worker's modules run.
    fn configure<'js>(
        &self,
        ctx: &Ctx<'js>,
        state: &Rc<dyn Any>,
        config: &IsolateConfig,
    ) -> rquickjs::Result<()>;

    /// Called once the main module is evaluated, with its namespace: find and keep the fetch handler,
    /// or say why there is none.
    fn bind<'js>(
        &self,
        ctx: &Ctx<'js>,
        state: &Rc<dyn Any>,
        namespace: Object<'js>,
    ) -> std::result::Result<(), String>;

    /// The host's built-in modules (`node:buffer`), by specifier.
    fn builtins(&self) -> Builtins {
        crate::loader::no_builtins
    }

    /// Called when a promise was rejected and still had no handler once the microtasks ran out.
    fn rejection_handler(&self) -> RejectionHandler {
        ignore_rejection
    }
}

/// Reports a promise rejected with nobody to handle it: `(ctx, host state, promise, reason)`.
pub type RejectionHandler = for<'js> fn(&Ctx<'js>, &Rc<dyn Any>, Value<'js>, Value<'js>);

fn ignore_rejection<'js>(_: &Ctx<'js>, _: &Rc<dyn Any>, _: Value<'js>, _: Value<'js>) {}

/// Promises rejected without a handler, waiting for the microtasks to run out.
type Rejections = Rc<RefCell<Vec<(Persistent<Value<'static>>, Persistent<Value<'static>>)>>>;

/// The intrinsics of a worker context: everything but `Eval` (code generation from strings).
type NoEval = (
    intrinsic::Date,
    intrinsic::RegExpCompiler,
    intrinsic::RegExp,
    intrinsic::Json,
    intrinsic::Proxy,
    intrinsic::MapSet,
    intrinsic::TypedArrays,
    intrinsic::Promise,
    intrinsic::Performance,
    intrinsic::WeakRef,
    intrinsic::DOMException,
);

/// Heap limit of an isolate before it knows its worker (the prelude alone needs a few MiB).
const BLANK_HEAP: usize = 64 << 20;

/// An isolate with the host's globals installed and no worker yet.
///
/// Making one is most of an isolate's cost (reading and running the prelude); shards keep a few ready, so a
/// worker's first request on a shard only has to evaluate the worker's own modules.
pub struct Blank {
    isolate: Isolate,
}

impl Blank {
    /// Make a blank isolate; `allow_eval` decides whether its context can compile code from strings.
    pub fn new(setup: &dyn Setup, allow_eval: bool) -> Result<Self> {
        let meter = MemoryMeter::new(BLANK_HEAP);
        let runtime = Runtime::new_with_alloc(MeteredAllocator::new(meter.clone()))
            .map_err(|e| Error::Engine(e.to_string()))?;
        let defaults = Limits::default();
        runtime.set_max_stack_size(defaults.stack_bytes());
        let guard = Guard::new(meter, defaults.startup_cpu());
        let g = guard.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || g.check())));
        let context = if allow_eval {
            Context::full(&runtime)
        } else {
            Context::custom::<NoEval>(&runtime)
        }
        .map_err(|e| Error::Engine(e.to_string()))?;
        let ops = Rc::new(Ops::default());
        let rejections = Rejections::default();
        let list = rejections.clone();
        runtime.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx: Ctx<'_>, promise: Value<'_>, reason: Value<'_>, handled: bool| {
                let mut list = list.borrow_mut();
                if handled {
                    list.retain(|(p, _)| {
                        p.clone()
                            .restore(&ctx)
                            .map(|p| p != promise)
                            .unwrap_or(false)
                    });
                } else {
                    list.push((
                        Persistent::save(&ctx, promise),
                        Persistent::save(&ctx, reason),
                    ));
                }
            },
        )));

        guard.enter();
        let installed = context.with(|ctx| setup.install(&ctx, &ops, &guard));
        guard.leave();
        let state = match installed {
            Ok(state) => state,
            Err(e) => {
                let err = context.with(|ctx| caught(&ctx, &guard, e));
                return Err(err);
            }
        };
        Ok(Self {
            isolate: Isolate {
                state,
                ops,
                rejections,
                context,
                runtime,
                guard,
                config: IsolateConfig {
                    name: String::new(),
                    limits: defaults,
                    env: BTreeMap::new(),
                    allow_eval,
                },
                on_rejection: setup.rejection_handler(),
                compiled: None,
            },
        })
    }

    /// Whether code generation from strings works in this blank.
    pub fn allows_eval(&self) -> bool {
        self.isolate.config.allow_eval
    }

    /// Make this blank the isolate of the worker `config` describes: its limits, name and env, then its
    /// modules from `source`, evaluated from `main` under the start-up CPU limit.
    pub fn load(
        mut self,
        config: &IsolateConfig,
        setup: &dyn Setup,
        main: &str,
        source: Source,
    ) -> Result<Isolate> {
        if config.allow_eval != self.isolate.config.allow_eval {
            return Err(Error::Engine(
                "a blank isolate must be made with the worker's allow_eval".into(),
            ));
        }
        let iso = &mut self.isolate;
        let limits = &config.limits;
        iso.guard.memory().set_limit(limits.memory_bytes());
        iso.runtime.set_max_stack_size(limits.stack_bytes());
        iso.guard.reset(limits.startup_cpu());
        iso.compiled = match &source {
            Source::Files(compiler) => Some(compiler.recorded_handle()),
            Source::Bytecode(_) => None,
        };
        iso.runtime.set_loader(
            BundleResolver::new(crate::loader::Importers::default(), setup.builtins()),
            BundleLoader::new(source),
        );
        iso.config = config.clone();
        let state = iso.state.clone();
        iso.with(|ctx| setup.configure(&ctx, &state, config))?;
        iso.evaluate_main(setup, main)?;
        Ok(self.isolate)
    }
}

/// One worker's JS world. Not `Send`: it lives and dies on the shard thread that made it.
pub struct Isolate {
    // Field order is drop order: host state and pending operations hold JS values, so they go before the
    // context, which goes before the runtime.
    state: Rc<dyn Any>,
    ops: Rc<Ops>,
    rejections: Rejections,
    context: Context,
    runtime: Runtime,
    guard: Rc<Guard>,
    config: IsolateConfig,
    on_rejection: RejectionHandler,
    compiled: Option<crate::compiler::RecordedHandle>,
}

impl Isolate {
    /// Build an isolate and evaluate the module `main` from `source`, under the start-up CPU limit.
    pub fn new(
        config: &IsolateConfig,
        setup: &dyn Setup,
        main: &str,
        source: Source,
    ) -> Result<Self> {
        Blank::new(setup, config.allow_eval)?.load(config, setup, main, source)
    }

    fn evaluate_main(&self, setup: &dyn Setup, main: &str) -> Result<()> {
        let promise = self.with(|ctx| {
            let p = Module::import(&ctx, main)?;
            Ok(rquickjs::Persistent::save(&ctx, p))
        })?;
        self.with(|ctx| {
            while ctx.execute_pending_job() {}
            Ok(())
        })?;
        self.with(|ctx| {
            let p: Promise<'_> = promise.restore(&ctx)?;
            match p.state() {
                PromiseState::Resolved => {
                    let ns: Object<'_> = p.result::<Object<'_>>().unwrap_or_else(|| {
                        Err(rquickjs::Error::new_from_js("value", "namespace"))
                    })?;
                    setup.bind(&ctx, &self.state, ns).map_err(|m| {
                        ctx.throw(
                            rquickjs::String::from_str(ctx.clone(), &m)
                                .map(|s| s.into_value())
                                .unwrap_or_else(|_| Value::new_undefined(ctx.clone())),
                        )
                    })
                }
                PromiseState::Rejected => {
                    let reason = p.catch_reason(&ctx);
                    Err(ctx.throw(reason))
                }
                PromiseState::Pending => {
                    let msg = "the worker's modules did not finish evaluating: top-level await on I/O is not \
                               allowed outside a request";
                    Err(ctx.throw(rquickjs::String::from_str(ctx.clone(), msg)?.into_value()))
                }
            }
        })
        .map_err(|e| match e {
            Error::Thrown(js) if js.name.is_empty() && js.stack.is_empty() => {
                Error::NoHandler(js.message)
            }
            other => other,
        })
    }

    /// Run `f` inside the context, counting its CPU time against the current budget.
    ///
    /// A JS exception becomes [`Error::Thrown`]; a tripped limit becomes [`Error::Limit`], whatever the script did.
    pub fn with<R>(&self, f: impl for<'js> FnOnce(Ctx<'js>) -> rquickjs::Result<R>) -> Result<R> {
        self.guard.enter();
        let out = self.context.with(|ctx| match f(ctx.clone()) {
            Ok(v) => Ok(v),
            Err(e) => Err(caught(&ctx, &self.guard, e)),
        });
        self.guard.leave();
        if let Some(v) = self.guard.violation() {
            return Err(Error::Limit(v));
        }
        out
    }

    /// Run JS until `done` says so, settling host operations as they complete.
    ///
    /// Fails when a limit trips, or when nothing is left that could make `done` true.
    pub async fn drive(&self, mut done: impl for<'js> FnMut(&Ctx<'js>) -> bool) -> Result<()> {
        self.run(|_| Ok(()), |ctx| Ok(done(ctx).then_some(())))
            .await
    }

    /// Run `start`, then JS until `poll` returns a value, settling host operations as they complete.
    ///
    /// Each stretch of JS is one CPU segment: `start`, the jobs it queued and the first `poll`; then, per
    /// settled operation, its completion, the jobs it queued and the next `poll`. A request that needs no I/O
    /// is a single segment. Fails when a limit trips, or when nothing is left that could make `poll` answer.
    pub async fn run<R>(
        &self,
        start: impl for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<()>,
        mut poll: impl for<'js> FnMut(&Ctx<'js>) -> rquickjs::Result<Option<R>>,
    ) -> Result<R> {
        let mut start = Some(start);
        let mut settled = None;
        loop {
            let answer = self.with(|ctx| {
                if let Some(start) = start.take() {
                    start(&ctx)?;
                }
                if let Some((id, result)) = settled.take() {
                    self.ops.settle(&ctx, id, result)?;
                }
                while ctx.execute_pending_job() {}
                self.report_rejections(&ctx)?;
                poll(&ctx)
            })?;
            if let Some(answer) = answer {
                return Ok(answer);
            }
            let Some(next) = self.ops.next().await else {
                return Err(Error::Hung);
            };
            settled = Some(next);
        }
    }

    /// Hand rejections that are still unhandled to the host; their handlers may queue more jobs, which run too.
    fn report_rejections(&self, ctx: &Ctx<'_>) -> rquickjs::Result<()> {
        loop {
            let pending = std::mem::take(&mut *self.rejections.borrow_mut());
            if pending.is_empty() {
                return Ok(());
            }
            for (promise, reason) in pending {
                (self.on_rejection)(
                    ctx,
                    &self.state,
                    promise.restore(ctx)?,
                    reason.restore(ctx)?,
                );
            }
            while ctx.execute_pending_job() {}
        }
    }

    /// What the compiler compiled, for an isolate built from files.
    pub fn take_compiled(&self) -> Option<crate::compiler::Recorded> {
        self.compiled.as_ref().map(|h| h.take())
    }

    /// Start a new CPU budget (one per request).
    pub fn reset_budget(&self, cpu: Duration) {
        self.guard.reset(cpu);
    }

    /// The limits guard.
    pub fn guard(&self) -> &Rc<Guard> {
        &self.guard
    }

    /// Pending host operations.
    pub fn ops(&self) -> &Rc<Ops> {
        &self.ops
    }

    /// The host's per-isolate state, as installed by [`Setup::install`].
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.state.downcast_ref::<T>()
    }

    /// What the isolate was built with.
    pub fn config(&self) -> &IsolateConfig {
        &self.config
    }

    /// Bytes of heap in use.
    pub fn heap_used(&self) -> usize {
        self.guard.memory().used()
    }

    /// Run QuickJS's cycle collector.
    pub fn collect_garbage(&self) {
        self.runtime.run_gc();
    }
}

impl Drop for Isolate {
    fn drop(&mut self) {
        // The runtime's rejection tracker shares this list: empty it while the context is alive.
        self.rejections.borrow_mut().clear();
        self.ops.clear();
    }
}

/// Turn an rquickjs error into ours: a tripped limit wins over whatever exception it caused.
fn caught(ctx: &Ctx<'_>, guard: &Guard, err: rquickjs::Error) -> Error {
    let thrown = match err {
        rquickjs::Error::Exception => Some(ctx.catch()),
        _ => None,
    };
    guard.check();
    if let Some(v) = guard.violation() {
        return Error::Limit(v);
    }
    match thrown {
        Some(value) => Error::Thrown(js_error(ctx, value)),
        None => match err {
            rquickjs::Error::Resolving { .. } | rquickjs::Error::Loading { .. } => {
                Error::Module(err.to_string())
            }
            other => Error::Engine(other.to_string()),
        },
    }
}

/// Capture a thrown JS value as plain data.
pub fn js_error<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> JsError {
    if let Some(obj) = value.as_object() {
        let get = |k: &str| -> String {
            obj.get::<_, Option<rquickjs::Coerced<String>>>(k)
                .ok()
                .flatten()
                .map(|c| c.0)
                .unwrap_or_default()
        };
        let message = get("message");
        let name = get("name");
        if !name.is_empty() || !message.is_empty() {
            return JsError {
                name,
                message,
                stack: get("stack"),
            };
        }
    }
    let message = ctx
        .json_stringify(value.clone())
        .ok()
        .flatten()
        .and_then(|s| s.to_string().ok())
        .or_else(|| value.get::<rquickjs::Coerced<String>>().ok().map(|c| c.0))
        .unwrap_or_else(|| "a non-Error value".into());
    JsError {
        name: String::new(),
        message,
        stack: String::new(),
    }
}

trait CatchReason<'js> {
    fn catch_reason(&self, ctx: &Ctx<'js>) -> Value<'js>;
}

impl<'js> CatchReason<'js> for Promise<'js> {
    fn catch_reason(&self, ctx: &Ctx<'js>) -> Value<'js> {
        match self.result::<Value<'js>>() {
            Some(Err(rquickjs::Error::Exception)) => ctx.catch(),
            Some(Ok(v)) => v,
            _ => Value::new_undefined(ctx.clone()),
        }
    }
}
