//! `URLPattern` on the `urlpattern` crate (Deno's implementation of the URL Pattern standard): the host parses
//! and canonicalizes patterns and match inputs; the prelude compiles each component's regular expression as a JS
//! `RegExp` (the standard's regexp dialect) and matches with it.

use rquickjs::{Array, Ctx, Function, Object, Value};
use urlpattern::quirks::{self, EcmaRegexp, StringOrInit, UrlPatternComponent, UrlPatternInit};
use urlpattern::{RegexSyntax, UrlPatternOptions};
use verge_js::ops::OpError;
use verge_js::rquickjs;

const INIT_KEYS: [&str; 9] = [
    "protocol", "username", "password", "hostname", "port", "pathname", "search", "hash", "baseURL",
];

/// A pattern or match input from JS: a string, or an object whose members (already USVStrings) are read.
fn input<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> rquickjs::Result<StringOrInit<'static>> {
    if let Some(s) = value.as_string() {
        return Ok(StringOrInit::String(s.to_string()?.into()));
    }
    let Some(obj) = value.as_object() else {
        return Err(
            OpError::Type("URLPattern: input must be a string or an object".into()).throw(ctx),
        );
    };
    let mut fields: [Option<String>; 9] = Default::default();
    for (slot, key) in fields.iter_mut().zip(INIT_KEYS) {
        *slot = obj.get::<_, Option<String>>(key)?;
    }
    let [
        protocol,
        username,
        password,
        hostname,
        port,
        pathname,
        search,
        hash,
        base_url,
    ] = fields;
    Ok(StringOrInit::Init(UrlPatternInit {
        protocol,
        username,
        password,
        hostname,
        port,
        pathname,
        search,
        hash,
        base_url,
    }))
}

fn type_error(ctx: &Ctx<'_>, e: &dyn std::fmt::Display) -> rquickjs::Error {
    OpError::Type(format!("URLPattern: {e}")).throw(ctx)
}

fn component<'js>(ctx: &Ctx<'js>, c: UrlPatternComponent) -> rquickjs::Result<Array<'js>> {
    let out = Array::new(ctx.clone())?;
    out.set(0, c.pattern_string)?;
    out.set(1, c.regexp_string)?;
    out.set(2, c.group_name_list)?;
    Ok(out)
}

/// Register `urlPatternParse(input, baseURL?, ignoreCase)` and `urlPatternMatchInput(input, baseURL?)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    // -> [hasRegExpGroups, protocol, username, password, hostname, port, pathname, search, hash], each component
    // as [pattern string, regexp source, group names].
    target.set(
        "urlPatternParse",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             value: Value<'js>,
             base: Option<String>,
             ignore_case: bool|
             -> rquickjs::Result<Array<'js>> {
                let init =
                    quirks::process_construct_pattern_input(input(&ctx, &value)?, base.as_deref())
                        .map_err(|e| type_error(&ctx, &e))?;
                let options = UrlPatternOptions {
                    regex_syntax: RegexSyntax::EcmaScript,
                    ignore_case,
                };
                let p = quirks::parse_pattern::<EcmaRegexp>(init, options)
                    .map_err(|e| type_error(&ctx, &e))?;
                let out = Array::new(ctx.clone())?;
                out.set(0, p.has_regexp_groups)?;
                let components = [
                    p.protocol, p.username, p.password, p.hostname, p.port, p.pathname, p.search,
                    p.hash,
                ];
                for (i, c) in components.into_iter().enumerate() {
                    out.set(i + 1, component(&ctx, c)?)?;
                }
                Ok(out)
            },
        )?,
    )?;
    // -> the eight component values to match, or null when the input is not a URL (no match).
    target.set(
        "urlPatternMatchInput",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             value: Value<'js>,
             base: Option<String>|
             -> rquickjs::Result<Option<Vec<String>>> {
                let Some((parsed, _)) =
                    quirks::process_match_input(input(&ctx, &value)?, base.as_deref())
                        .map_err(|e| type_error(&ctx, &e))?
                else {
                    return Ok(None);
                };
                Ok(quirks::parse_match_input(parsed).map(|i| {
                    vec![
                        i.protocol, i.username, i.password, i.hostname, i.port, i.pathname,
                        i.search, i.hash,
                    ]
                }))
            },
        )?,
    )?;
    Ok(())
}
