//! URL parsing and setters for the JS `URL` class, on ada (the WHATWG URL parser that Node.js and workerd use),
//! and the `application/x-www-form-urlencoded` parser and serializer behind `URLSearchParams`.

use ada_url::Url;
use rquickjs::{Array, Ctx, Function, Object};
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// What JS keeps of a URL: its href (always ASCII, so byte offsets are string indices) and ada's component
/// offsets into it: `[href, protocol_end, username_end, host_start, host_end, port, pathname_start, search_start,
/// hash_start]`, with -1 for an absent port, query or fragment. The getters slice the href in JS, so a parse
/// crosses into JS as one string and eight numbers.
fn record<'js>(ctx: &Ctx<'js>, u: &Url) -> rquickjs::Result<Array<'js>> {
    let c = u.components();
    let opt = |v: Option<u32>| v.map_or(-1.0, f64::from);
    let out = Array::new(ctx.clone())?;
    out.set(0, u.href())?;
    out.set(1, c.protocol_end)?;
    out.set(2, c.username_end)?;
    out.set(3, c.host_start)?;
    out.set(4, c.host_end)?;
    out.set(5, opt(c.port))?;
    out.set(6, c.pathname_start.unwrap_or(c.host_end))?;
    out.set(7, opt(c.search_start))?;
    out.set(8, opt(c.hash_start))?;
    Ok(out)
}

/// Apply the setter `name` to `u`. Invalid values are ignored, as the URL standard says, except for `href`,
/// which reports them.
fn set(u: &mut Url, name: &str, value: &str) -> Result<(), String> {
    let v = Some(value);
    let ignored = match name {
        "href" => {
            return u
                .set_href(value)
                .map_err(|()| format!("Invalid URL: {value}"));
        }
        "protocol" => u.set_protocol(value),
        "username" => u.set_username(v),
        "password" => u.set_password(v),
        "host" => u.set_host(v),
        "hostname" => u.set_hostname(v),
        "port" => u.set_port(v),
        "pathname" => u.set_pathname(v),
        "search" => {
            u.set_search(v);
            Ok(())
        }
        "hash" => {
            u.set_hash(v);
            Ok(())
        }
        other => return Err(format!("unknown URL component {other}")),
    };
    let _ = ignored;
    Ok(())
}

/// Register `urlParse(input, base?)`, `urlSet(href, name, value)`, `urlOrigin(href)`, `formDecode(text)`,
/// `formEncode(pairs)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "urlParse",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             input: String,
             base: rquickjs::function::Opt<String>|
             -> rquickjs::Result<Option<Array<'js>>> {
                match Url::parse(&input, base.0.as_deref()) {
                    Ok(u) => record(&ctx, &u).map(Some),
                    Err(_) => Ok(None),
                }
            },
        )?,
    )?;
    target.set(
        "urlSet",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>,
             href: String,
             name: String,
             value: String|
             -> rquickjs::Result<Array<'js>> {
                let mut u = Url::parse(&href, None)
                    .map_err(|_| OpError::Type(format!("Invalid URL: {href}")).throw(&ctx))?;
                set(&mut u, &name, &value).map_err(|m| OpError::Type(m).throw(&ctx))?;
                record(&ctx, &u)
            },
        )?,
    )?;
    target.set(
        "urlOrigin",
        Function::new(ctx.clone(), |href: String| -> String {
            Url::parse(&href, None).map_or_else(|_| "null".to_owned(), |u| u.origin())
        })?,
    )?;
    target.set(
        "formDecode",
        Function::new(ctx.clone(), |text: String| -> Vec<Vec<String>> {
            form_urlencoded::parse(text.as_bytes())
                .map(|(k, v)| vec![k.into_owned(), v.into_owned()])
                .collect()
        })?,
    )?;
    target.set(
        "formEncode",
        Function::new(ctx.clone(), |pairs: Vec<Vec<String>>| -> String {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for pair in &pairs {
                if let [k, v] = pair.as_slice() {
                    s.append_pair(k, v);
                }
            }
            s.finish()
        })?,
    )?;
    Ok(())
}
