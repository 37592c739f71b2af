//! `request.cf`: where a request came from, as Workers describes it.
//!
//! A PoP fills it from GeoIP; `verge dev` uses a fixed local default that `--cf key=value` overrides, so code
//! that reads `request.cf.country` runs the same locally.

use serde_json::{Map, Value, json};

/// The default `request.cf` of `verge dev`: a made-up visitor in San Francisco.
pub fn dev_default() -> Map<String, Value> {
    let v = json!({
        "colo": "DEV",
        "country": "US",
        "city": "San Francisco",
        "continent": "NA",
        "latitude": "37.78044",
        "longitude": "-122.39055",
        "timezone": "America/Los_Angeles",
        "region": "California",
        "regionCode": "CA",
        "postalCode": "94107",
        "metroCode": "807",
        "asn": 64496,
        "asOrganization": "verge dev",
        "httpProtocol": "HTTP/1.1",
        "tlsVersion": "",
        "tlsCipher": "",
        "clientTcpRtt": 0,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Set `key` to `value`, keeping the field's type: numbers stay numbers (`asn`, `clientTcpRtt`).
pub fn set(cf: &mut Map<String, Value>, key: &str, value: &str) -> Result<(), String> {
    let typed = match cf.get(key) {
        Some(Value::Number(_)) => value
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(|n| {
                // Keep integers integral in JSON (asn: 64496, not 64496.0).
                value
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::Number(n))
            })
            .ok_or_else(|| format!("cf.{key} must be a number, got {value:?}"))?,
        _ => Value::String(value.to_owned()),
    };
    cf.insert(key.to_owned(), typed);
    Ok(())
}

/// The JSON the worker sees for one request: the node's `base` with this request's protocol.
pub fn for_request(base: &Map<String, Value>, version: http::Version) -> String {
    let mut cf = base.clone();
    let protocol = match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    cf.insert("httpProtocol".into(), Value::from(protocol));
    Value::Object(cf).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_keep_types() {
        let mut cf = dev_default();
        set(&mut cf, "country", "JP").unwrap();
        set(&mut cf, "asn", "2516").unwrap();
        set(&mut cf, "city", "Tokyo").unwrap();
        assert!(set(&mut cf, "clientTcpRtt", "fast").is_err());
        let json = for_request(&cf, http::Version::HTTP_2);
        assert!(json.contains("\"country\":\"JP\""), "{json}");
        assert!(json.contains("\"asn\":2516"), "{json}");
        assert!(json.contains("\"httpProtocol\":\"HTTP/2\""), "{json}");
    }
}
