//! Randomness for `crypto.getRandomValues` and `crypto.randomUUID`, from the operating system's CSPRNG.

use rquickjs::{Ctx, Function, Object, TypedArray};
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// Register `randomBytes(n)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "randomBytes",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, n: u32| -> rquickjs::Result<TypedArray<'js, u8>> {
                if n > 65536 {
                    return Err(crate::encoding::dom_error(
                        &ctx,
                        "QuotaExceededError",
                        &format!(
                            "The ArrayBufferView's byte length ({n}) exceeds the number of bytes of entropy available via this API (65536)"
                        ),
                    ));
                }
                let mut buf = vec![0u8; n as usize];
                getrandom::fill(&mut buf).map_err(|e| {
                    OpError::Error(format!("the system's random source failed: {e}")).throw(&ctx)
                })?;
                TypedArray::new(ctx, buf)
            },
        )?,
    )?;
    Ok(())
}
