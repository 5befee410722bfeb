//! `--json`: an answer in protobuf's JSON mapping (camelCase names, enum
//! value names, RFC 3339 times, durations as `"1.5s"`), with every field
//! present, defaults included, so scripts need not guess at missing keys.
//! It is read through the API's own descriptors, so field names match what
//! grpcurl and the generated clients print.

use std::io::Write;

use anyhow::Context;
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};

use inboundflow_webhooks::pb;

/// Writes `message` as indented JSON on standard output.
pub fn print<M: prost::Message + prost::Name>(message: &M) -> anyhow::Result<()> {
    let text = to_json(message)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("cannot write to standard output")
}

fn to_json<M: prost::Message + prost::Name>(message: &M) -> anyhow::Result<String> {
    let pool = DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET)
        .context("the API's descriptors do not load")?;
    let name = M::full_name();
    let descriptor = pool
        .get_message_by_name(&name)
        .with_context(|| format!("{name} is not in the API's descriptors"))?;
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice())
        .with_context(|| format!("{name} does not decode"))?;
    let mut text = Vec::new();
    let mut serializer = serde_json::Serializer::pretty(&mut text);
    dynamic
        .serialize_with_options(
            &mut serializer,
            &SerializeOptions::new().skip_default_fields(false),
        )
        .with_context(|| format!("{name} does not serialize"))?;
    String::from_utf8(text).context("JSON is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_enums_times_and_defaults_follow_the_json_mapping() {
        let reply = pb::ReplayDeliveriesResponse {
            created_count: 2,
            rescheduled_count: 0,
        };
        let value: serde_json::Value =
            serde_json::from_str(&to_json(&reply).expect("JSON")).expect("parses");
        assert_eq!(
            value,
            serde_json::json!({"createdCount": 2, "rescheduledCount": 0})
        );

        let delivery = pb::Delivery {
            status: pb::DeliveryStatus::Failed as i32,
            create_time: Some(prost_types::Timestamp {
                seconds: 1_771_966_800,
                nanos: 0,
            }),
            ..Default::default()
        };
        let value: serde_json::Value =
            serde_json::from_str(&to_json(&delivery).expect("JSON")).expect("parses");
        assert_eq!(value["status"], "DELIVERY_STATUS_FAILED");
        assert_eq!(value["createTime"], "2026-02-24T21:00:00Z");
        assert_eq!(value["lastStatusCode"], 0);
        assert_eq!(value["attempts"], serde_json::json!([]));
    }
}
