#include "http/recordio.hpp"

#include "base/error.hpp"

namespace dc::recordio {

std::string encode(std::string_view record) {
  std::string bytes = std::to_string(record.size());
  bytes += '\n';
  bytes += record;
  return bytes;
}

Decoder::Decoder(size_t limit) : limit_(limit) {}

void Decoder::feed(std::string_view bytes) {
  // Drop what was returned already, so the buffer holds one record at most
  // plus what came with it.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_ += bytes;
}

std::optional<std::string> Decoder::next() {
  const size_t newline = buffer_.find('\n', start_);
  const size_t end = newline == std::string::npos ? buffer_.size() : newline;
  const size_t max_digits = std::to_string(limit_).size();
  size_t length = 0;
  for (size_t i = start_; i < end; ++i) {
    const char c = buffer_[i];
    if (c < '0' || c > '9') throw Error("recordio: a record length that is not decimal digits");
    if (i - start_ >= max_digits)
      throw Error("recordio: a record length of more than " + std::to_string(max_digits) + " digits");
    length = length * 10 + static_cast<size_t>(c - '0');
  }
  if (newline == std::string::npos) return std::nullopt;
  if (end == start_) throw Error("recordio: an empty record length");
  if (length > limit_)
    throw Error("recordio: a record of " + std::to_string(length) + " bytes exceeds the limit of " +
                std::to_string(limit_) + " bytes");
  if (buffer_.size() - (newline + 1) < length) return std::nullopt;
  std::string record = buffer_.substr(newline + 1, length);
  start_ = newline + 1 + length;
  return record;
}

}  // namespace dc::recordio
