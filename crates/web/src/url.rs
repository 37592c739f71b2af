//! URL parsing and setters for the JS `URL` class, on the WHATWG-conformant `url` crate, and the
//! `application/x-www-form-urlencoded` parser and serializer behind `URLSearchParams`.

use rquickjs::{Ctx, Function, Object};
use url::{Url, quirks};
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// The components JS caches for a URL: href, origin, protocol, username, password, host, hostname, port,
/// pathname, search, hash.
fn parts(u: &Url) -> Vec<String> {
    vec![
        quirks::href(u).to_owned(),
        quirks::origin(u),
        quirks::protocol(u).to_owned(),
        quirks::username(u).to_owned(),
        quirks::password(u).to_owned(),
        quirks::host(u).to_owned(),
        quirks::hostname(u).to_owned(),
        quirks::port(u).to_owned(),
        quirks::pathname(u).to_owned(),
        quirks::search(u).to_owned(),
        quirks::hash(u).to_owned(),
    ]
}

fn parse(input: &str, base: Option<&str>) -> Option<Url> {
    match base {
        Some(b) => Url::parse(b).ok()?.join(input).ok(),
        None => Url::parse(input).ok(),
    }
}

/// Register `urlParse(input, base?)`, `urlSet(href, name, value)`, `formDecode(text)`, `formEncode(pairs)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "urlParse",
        Function::new(
            ctx.clone(),
            |input: String, base: rquickjs::function::Opt<String>| -> Option<Vec<String>> {
                parse(&input, base.0.as_deref()).map(|u| parts(&u))
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
             -> rquickjs::Result<Vec<String>> {
                let mut u = Url::parse(&href)
                    .map_err(|e| OpError::Type(format!("Invalid URL: {e}")).throw(&ctx))?;
                match name.as_str() {
                    "href" => {
                        quirks::set_href(&mut u, &value).map_err(|_| {
                            OpError::Type(format!("Invalid URL: {value}")).throw(&ctx)
                        })?;
                    }
                    // The other setters ignore invalid input, as the URL standard says.
                    "protocol" => {
                        let _ = quirks::set_protocol(&mut u, &value);
                    }
                    "username" => {
                        let _ = quirks::set_username(&mut u, &value);
                    }
                    "password" => {
                        let _ = quirks::set_password(&mut u, &value);
                    }
                    "host" => {
                        let _ = quirks::set_host(&mut u, &value);
                    }
                    "hostname" => {
                        let _ = quirks::set_hostname(&mut u, &value);
                    }
                    "port" => {
                        let _ = quirks::set_port(&mut u, &value);
                    }
                    "pathname" => quirks::set_pathname(&mut u, &value),
                    "search" => quirks::set_search(&mut u, &value),
                    "hash" => quirks::set_hash(&mut u, &value),
                    other => {
                        return Err(
                            OpError::Type(format!("unknown URL component {other}")).throw(&ctx)
                        );
                    }
                }
                Ok(parts(&u))
            },
        )?,
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
