#pragma once
// A small HTTP/1.1 client (plain http, no TLS) for Mesos's v1 APIs, built on
// Boost.Beast: one request per connection, either read whole (`send`) or with
// a body read as it arrives (`Stream`, for SUBSCRIBE's endless chunked
// RecordIO response). Beast stays inside client.cpp.
//
//   auto url = http::Url::parse("127.0.0.1:5051/api/v1/executor");
//   http::Request call{"POST", url.target, {{"Content-Type", "application/x-protobuf"}}, bytes};
//   http::Response r = http::send(url, call, std::chrono::seconds(5));   // r.status == 202
//
//   http::Stream events(url, subscribe, std::chrono::seconds(5));          // header read
//   recordio::Decoder records;
//   while (auto bytes = events.read()) { records.feed(*bytes); while (auto r = records.next()) ...; }
//
// Every failure (resolve, connect, timeout, a malformed response, a closed
// connection mid-response) throws http::Error with one line saying what and
// where; an HTTP status other than 2xx is not a failure here: callers look
// at `status`.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"

namespace dc::http {

struct Error : dc::Error {
  using dc::Error::Error;
};

struct Url {
  std::string host;            // name, IPv4 or IPv6 address (without brackets)
  std::string port = "80";
  std::string target = "/";    // path and query

  // "http://host:port/path", "host:port/path" or "host:port" (as in
  // MESOS_AGENT_ENDPOINT); IPv6 as "[::1]:5051". Throws http::Error, also
  // for https.
  static Url parse(std::string_view text);
  // "host:port" for messages and the Host header.
  std::string authority() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` (case-insensitive), first one wins.
std::optional<std::string> header(const Headers& headers, std::string_view name);

// An Authorization header's value for HTTP basic authentication (RFC 7617):
// "Basic " and base64 of "user:password".
std::string basic_authorization(std::string_view user, std::string_view password);

// `text` as a URL query value: every byte but A-Z a-z 0-9 - . _ ~ as %XX.
std::string percent_encode(std::string_view text);

struct Request {
  std::string method = "POST";
  std::string target = "/";
  Headers headers;             // Host, User-Agent and Content-Length are added
  std::string body;
};

struct Response {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;
};

// Connects, sends `request`, reads the whole response, closes. `timeout`
// bounds the whole exchange.
Response send(const Url& url, const Request& request, std::chrono::milliseconds timeout);

// A response read as it comes: the constructor connects, sends the request
// and reads the status line and headers (within `timeout`); read() then
// returns body bytes as they arrive, for as long as the server keeps the
// response open. Not copyable; one reader thread, plus cancel() from any.
class Stream {
 public:
  Stream(const Url& url, const Request& request, std::chrono::milliseconds timeout);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  int status() const;
  const std::string& reason() const;
  const Headers& headers() const;

  // Blocks until some body bytes arrive and returns them (never empty);
  // nullopt at the body's end, when the server closed the connection at a
  // message boundary, or after cancel(). `idle` (0: none) bounds the wait
  // for the next bytes. Throws http::Error on a broken response or timeout.
  std::optional<std::string> read(std::chrono::milliseconds idle = std::chrono::milliseconds(0));

  // Thread-safe: closes the connection; a read() blocked in another thread
  // (or the next one) returns nullopt.
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dc::http
