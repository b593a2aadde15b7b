# A non-.NET gRPC client (Debian's python3-grpcio) of grpc.examples.echo.Echo, with no generated code:
# EchoRequest/EchoResponse are one string in field 1, encoded by hand.
import sys
import grpc


def encode(text):
    data = text.encode("utf-8")
    length = len(data)
    varint = bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        varint.append(byte | (0x80 if length else 0))
        if not length:
            break
    return b"\x0a" + bytes(varint) + data


def decode(data):
    if not data:
        return ""
    assert data[0] == 0x0A, "field 1, wire type 2"
    length, shift, i = 0, 0, 1
    while True:
        byte = data[i]
        length |= (byte & 0x7F) << shift
        shift += 7
        i += 1
        if not byte & 0x80:
            break
    return data[i:i + length].decode("utf-8")


address, message = sys.argv[1], sys.argv[2]
with grpc.insecure_channel(address) as channel:
    unary = channel.unary_unary("/grpc.examples.echo.Echo/UnaryEcho", request_serializer=encode, response_deserializer=decode)
    print("unary:" + unary(message, timeout=10))
    stream = channel.unary_stream("/grpc.examples.echo.Echo/ServerStreamingEcho", request_serializer=encode, response_deserializer=decode)
    for reply in stream(message, timeout=10):
        print("stream:" + reply)
