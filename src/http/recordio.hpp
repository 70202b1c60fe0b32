#pragma once
// RecordIO as Mesos's v1 HTTP APIs stream it: each record is its length in
// ASCII decimal, a newline, then that many bytes (a serialized protobuf or a
// JSON object). The executor's SUBSCRIBE and the scheduler's SUBSCRIBE answer
// with a chunked response carrying such records; chunk boundaries have no
// relation to record boundaries, hence the incremental decoder.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dc::recordio {

// One record: "<decimal length>\n<bytes>".
std::string encode(std::string_view record);

class Decoder {
 public:
  // Records longer than `limit` bytes are refused (a garbled length would
  // otherwise make us buffer without end).
  explicit Decoder(size_t limit = 64u << 20);

  // Appends bytes as they came off the wire.
  void feed(std::string_view bytes);

  // The next whole record, or nullopt until more bytes are fed. Throws
  // dc::Error on a length that is not decimal digits or exceeds the limit;
  // the decoder is unusable afterwards.
  std::optional<std::string> next();

  // Bytes fed but not yet returned (a partial record at end of stream).
  size_t pending() const { return buffer_.size() - start_; }

 private:
  size_t limit_;
  std::string buffer_;
  size_t start_ = 0;  // where the next record's length begins in buffer_
};

}  // namespace dc::recordio
