//! The protobuf codec of every generated service and client (`build.rs` names
//! it). It is prost's, except for bytes that do not decode: prost's codec
//! answers `INTERNAL`, as if the service had failed, while those bytes are
//! the caller's bad input. Here they are `INVALID_ARGUMENT` with a
//! `google.rpc.BadRequest` violation on the request as a whole, since prost
//! does not say which field was broken in a form other than text.
//!
//! Generated clients share the codec, so a response that does not decode
//! reads the same way; only a broken server would send one.

use prost::{Message, Name};
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

use super::error::ApiError;
use crate::domain::validation::Violations;

/// [`ProstCodec`] whose decoding failures are the caller's fault.
#[derive(Debug, Clone)]
pub struct StrictCodec<T, U>(ProstCodec<T, U>);

impl<T, U> Default for StrictCodec<T, U> {
    fn default() -> Self {
        Self(ProstCodec::default())
    }
}

impl<T, U> Codec for StrictCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Name + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = StrictDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.0.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        StrictDecoder(self.0.decoder())
    }
}

/// Decodes a `U`, reporting malformed bytes as `INVALID_ARGUMENT`.
#[derive(Debug, Clone)]
pub struct StrictDecoder<U>(ProstDecoder<U>);

impl<U: Message + Name + Default> Decoder for StrictDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf).map(Some).map_err(not_valid::<U>)
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.0.buffer_settings()
    }
}

fn not_valid<U: Name>(error: prost::DecodeError) -> Status {
    let mut v = Violations::new();
    v.add(
        "",
        format!(
            "request is not a valid {} protobuf: {error}",
            U::full_name()
        ),
    );
    ApiError::Invalid(v).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;

    #[test]
    fn the_request_names_its_type_when_it_does_not_decode() {
        let Err(error) = pb::GetSubscriptionRequest::decode(&[0x0a, 0x01, 0xff][..]) else {
            panic!("0xFF is not UTF-8");
        };
        let status = not_valid::<pb::GetSubscriptionRequest>(error);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status
                .message()
                .contains("not a valid inboundflow.webhooks.v1.GetSubscriptionRequest"),
            "{}",
            status.message()
        );
    }
}
