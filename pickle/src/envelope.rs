//! aitviewer's message dictionary `{type, uid, args, kwargs}` as an [`Envelope`].

use meshcast_protocol::{Envelope, Kwargs, Value};

use crate::{decode, Limits, PickleError};

/// Decodes one pickled aitviewer message with the default [`Limits`].
///
/// The pickle must be a dict with `type` (a `Message` member or a plain int), `uid` (`None` or a
/// non-negative int), `args` (a tuple or list) and `kwargs` (a dict with str keys). `args` and
/// `kwargs` may be absent (empty); other keys are ignored.
pub fn decode_envelope(bytes: &[u8]) -> Result<Envelope, PickleError> {
    decode_envelope_with(bytes, &Limits::default())
}

/// [`decode_envelope`] with explicit limits.
pub fn decode_envelope_with(bytes: &[u8], limits: &Limits) -> Result<Envelope, PickleError> {
    envelope_from_value(decode(bytes, limits)?)
}

/// Maps a decoded message dictionary onto an [`Envelope`].
pub fn envelope_from_value(value: Value) -> Result<Envelope, PickleError> {
    let Value::Map(entries) = value else {
        return Err(PickleError::Envelope(format!(
            "expected a dict, got {}",
            value.type_name()
        )));
    };
    let mut msg_type = None;
    let mut uid = None;
    let mut args = Vec::new();
    let mut kwargs = Kwargs::new();
    for (k, v) in entries {
        let Value::Str(key) = k else { continue };
        match key.as_str() {
            "type" => match v {
                Value::Int(t) => msg_type = Some(t),
                other => {
                    return Err(PickleError::Envelope(format!(
                        "'type' is {}, expected a Message or an int",
                        other.type_name()
                    )))
                }
            },
            "uid" => {
                uid = match v {
                    Value::Nil => None,
                    Value::Int(u) => Some(u64::try_from(u).map_err(|_| {
                        PickleError::Envelope(format!("'uid' is {u}, expected None or a non-negative int"))
                    })?),
                    other => {
                        return Err(PickleError::Envelope(format!(
                            "'uid' is {}, expected None or an int",
                            other.type_name()
                        )))
                    }
                }
            }
            "args" => match v {
                Value::List(items) => args = items,
                other => {
                    return Err(PickleError::Envelope(format!(
                        "'args' is {}, expected a tuple",
                        other.type_name()
                    )))
                }
            },
            "kwargs" => match v {
                Value::Map(pairs) => {
                    for (k, v) in pairs {
                        match k {
                            Value::Str(name) => {
                                kwargs.insert(name, v);
                            }
                            other => {
                                return Err(PickleError::Envelope(format!(
                                    "a 'kwargs' key is {}, expected a str",
                                    other.type_name()
                                )))
                            }
                        }
                    }
                }
                other => {
                    return Err(PickleError::Envelope(format!(
                        "'kwargs' is {}, expected a dict",
                        other.type_name()
                    )))
                }
            },
            _ => {}
        }
    }
    let msg_type = msg_type.ok_or_else(|| PickleError::Envelope("no 'type' key".into()))?;
    Ok(Envelope {
        msg_type,
        uid,
        args,
        kwargs,
    })
}
