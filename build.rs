//! Compiles the protobuf API with tonic's generator and writes the descriptor
//! set that server reflection serves. Services and clients use the crate's
//! own codec (`src/api/codec.rs`). Uses a vendored `protoc`, so a fresh
//! machine needs no system protobuf install. Also rebuilds the crate when
//! the embedded Integrations page (`web/dist`) changes.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let well_known = protoc_bin_vendored::include_path()?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);

    let api = PathBuf::from("proto/inboundflow/webhooks/v1");
    let protos: Vec<PathBuf> = [
        "events",
        "event_service",
        "subscriptions",
        "deliveries",
        "api_keys",
    ]
    .iter()
    .map(|name| api.join(format!("{name}.proto")))
    .collect();
    let includes = vec![PathBuf::from("proto"), well_known];

    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    // `prost::Name` lets the codec name the message that did not decode.
    config.enable_type_names();
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("inboundflow_descriptor.bin"))
        // Malformed requests are INVALID_ARGUMENT, not prost's INTERNAL.
        .codec_path("crate::api::codec::StrictCodec")
        .compile_with_config(config, &protos, &includes)?;

    println!("cargo:rerun-if-changed=proto");
    // The Integrations page is embedded from here (`src/web/assets.rs`): a
    // rebuild with new file names must embed the new files.
    println!("cargo:rerun-if-changed=web/dist");
    Ok(())
}
