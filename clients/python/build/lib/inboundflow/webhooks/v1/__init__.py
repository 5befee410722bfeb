"""Generated protobuf messages and gRPC stubs of inboundflow.webhooks.v1 (see buf.gen.yaml)."""
