"""protoc plugin that writes Python gRPC stubs (`*_pb2_grpc.py`).

grpcio-tools bundles the grpc_python generator inside its own protoc but ships
no `protoc-gen-grpc_python` executable, and buf can only run plugins as
executables. This bridges the two: it takes buf's CodeGeneratorRequest on
stdin, hands the same descriptors to grpcio-tools' protoc and returns what it
wrote as a CodeGeneratorResponse. Run it with the python that has grpcio-tools.
"""

import pathlib
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def main() -> int:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    by_name = {f.name: f for f in request.proto_file}
    # Files without services would only get an empty module that nobody imports.
    wanted = [name for name in request.file_to_generate if by_name[name].service]
    if wanted:
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            descriptors = root / "descriptors.binpb"
            descriptors.write_bytes(
                descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString()
            )
            out = root / "out"
            out.mkdir()
            param = f"{request.parameter}:" if request.parameter else ""
            code = protoc.main(
                [
                    "grpc_tools.protoc",
                    f"--descriptor_set_in={descriptors}",
                    f"--grpc_python_out={param}{out}",
                    *wanted,
                ]
            )
            if code != 0:
                response.error = f"grpc_tools.protoc exited with {code}"
            else:
                for path in sorted(p for p in out.rglob("*") if p.is_file()):
                    response.file.add(
                        name=path.relative_to(out).as_posix(),
                        content=path.read_text(encoding="utf-8"),
                    )
    sys.stdout.buffer.write(response.SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())
