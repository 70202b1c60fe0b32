#pragma once
// Record-io framing: a 4-byte length in host byte order, then that many bytes
// of serialized protobuf. One frame per call, in each direction.
#include <cstdint>
#include <string>

namespace dc::framing {

// Reads exactly one frame from `fd` and nothing more: the agent never closes
// stdin, so reading to end of input would hang. Throws dc::Error on empty
// input, a short length, a length above `limit`, or a short payload.
std::string read_frame(int fd, uint64_t limit);

// Writes one whole frame to `fd`, retrying on EINTR and partial writes.
// Throws dc::Error when the reader went away (EPIPE).
void write_frame(int fd, const std::string& payload);

// The frame bytes for `payload`, for tests and the encode command.
std::string frame(const std::string& payload);

}  // namespace dc::framing
