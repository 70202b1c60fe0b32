#include "http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>

#include <netdb.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

namespace dc::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

template <typename Fields>
Headers headers_of(const Fields& fields) {
  Headers result;
  for (const auto& field : fields)
    result.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return result;
}

// One name lookup by getaddrinfo_a, shared by its caller and glibc's
// completion notice: a lookup the caller gave up on finishes on glibc's
// thread, and the last of the two frees it.
struct Lookup {
  std::string host, port;
  struct addrinfo hints {};
  struct gaicb request {};
  ~Lookup() {
    if (request.ar_result) ::freeaddrinfo(request.ar_result);
  }
};

void release_lookup(union sigval value) { delete static_cast<std::shared_ptr<Lookup>*>(value.sival_ptr); }

// The host's addresses, or an error at `deadline`: getaddrinfo alone (and
// asio's resolver, whose thread is joined when its io_context goes) waits as
// long as the name servers take.
std::vector<tcp::endpoint> resolve(const std::string& where, const std::string& host, const std::string& port,
                                   Clock::time_point deadline) {
  auto lookup = std::make_shared<Lookup>();
  lookup->host = host;
  lookup->port = port;
  lookup->hints.ai_family = AF_UNSPEC;
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->request.ar_name = lookup->host.c_str();
  lookup->request.ar_service = lookup->port.c_str();
  lookup->request.ar_request = &lookup->hints;
  auto* held = new std::shared_ptr<Lookup>(lookup);
  struct sigevent notice {};
  notice.sigev_notify = SIGEV_THREAD;
  notice.sigev_notify_function = release_lookup;
  notice.sigev_value.sival_ptr = held;
  struct gaicb* requests[] = {&lookup->request};
  if (int failed = ::getaddrinfo_a(GAI_NOWAIT, requests, 1, &notice); failed != 0) {
    delete held;
    throw Error(where + ": cannot resolve " + host + ": " + ::gai_strerror(failed));
  }
  for (;;) {
    const auto left = std::max(std::chrono::nanoseconds(0), deadline - Clock::now());
    const struct timespec wait = {static_cast<time_t>(left.count() / 1000000000),
                                  static_cast<long>(left.count() % 1000000000)};
    const struct gaicb* waiting[] = {&lookup->request};
    const int result = ::gai_suspend(waiting, 1, &wait);
    if (result == EAI_INTR) continue;
    if (result != EAI_AGAIN) break;
    // Cancelled before it ran: no notice will come to release it.
    if (::gai_cancel(&lookup->request) == EAI_CANCELED) delete held;
    throw Error(where + ": cannot resolve " + host + ": no answer in time");
  }
  if (int failed = ::gai_error(&lookup->request); failed != 0)
    throw Error(where + ": cannot resolve " + host + ": " + ::gai_strerror(failed));
  std::vector<tcp::endpoint> endpoints;
  for (const addrinfo* address = lookup->request.ar_result; address; address = address->ai_next) {
    tcp::endpoint endpoint;
    if (address->ai_addrlen > endpoint.capacity()) continue;
    std::memcpy(endpoint.data(), address->ai_addr, address->ai_addrlen);
    endpoint.resize(address->ai_addrlen);
    endpoints.push_back(endpoint);
  }
  return endpoints;
}

// One connection with its own io_context. Asio's synchronous calls ignore
// socket timeouts, so each step is an asynchronous operation run to its end
// on this thread, with tcp_stream's deadline as the timeout.
struct Connection {
  asio::io_context io{1};
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string where;  // http://host:port/target, for messages

  // Runs one asynchronous operation, started by `start(handler)`, to its end.
  template <typename Start>
  beast::error_code run(Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  [[noreturn]] void fail(const std::string& step, const beast::error_code& ec) const {
    throw Error(where + ": " + step + ": " + ec.message());
  }

  void connect(const Url& url, Clock::time_point deadline) {
    where = "http://" + url.authority() + url.target;
    const auto endpoints = resolve(where, url.host, url.port, deadline);
    stream.expires_at(deadline);
    auto ec = run([&](auto handler) { stream.async_connect(endpoints, handler); });
    if (ec) fail("cannot connect", ec);
  }

  void write(const Url& url, const Request& request, Clock::time_point deadline) {
    bhttp::request<bhttp::string_body> message;
    message.method_string(request.method);
    message.target(request.target);
    message.version(11);
    message.set(bhttp::field::host, url.authority());
    message.set(bhttp::field::user_agent, "docker-containerizer");
    for (const auto& [name, value] : request.headers) message.insert(name, value);
    message.body() = request.body;
    message.prepare_payload();
    stream.expires_at(deadline);
    auto ec = run([&](auto handler) { bhttp::async_write(stream, message, handler); });
    if (ec) fail("cannot send the request", ec);
  }
};

}  // namespace

Url Url::parse(std::string_view text) {
  const std::string original(text);
  auto bad = [&](const std::string& why) { return Error("bad URL '" + original + "': " + why); };
  if (text.rfind("https://", 0) == 0) throw bad("https is not supported");
  if (text.rfind("http://", 0) == 0) text.remove_prefix(7);
  Url url;
  const size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  if (slash != std::string_view::npos) url.target = std::string(text.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) throw bad("no ']' after an IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') throw bad("expected ':' after ']'");
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw bad("no host");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535)
      throw bad("the port must be a number from 1 to 65535");
    url.port = std::string(port);
  }
  return url;
}

std::string Url::authority() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

std::optional<std::string> header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (equal_ignoring_case(key, name)) return value;
  return std::nullopt;
}

std::string basic_authorization(std::string_view user, std::string_view password) {
  const std::string credentials = std::string(user) + ":" + std::string(password);
  std::string encoded(beast::detail::base64::encoded_size(credentials.size()), '\0');
  encoded.resize(beast::detail::base64::encode(encoded.data(), credentials.data(), credentials.size()));
  return "Basic " + encoded;
}

std::string percent_encode(std::string_view text) {
  static const char* const hex = "0123456789ABCDEF";
  std::string result;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      result += static_cast<char>(c);
    } else {
      result += '%';
      result += hex[c >> 4];
      result += hex[c & 15];
    }
  }
  return result;
}

Response send(const Url& url, const Request& request, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Connection connection;
  connection.connect(url, deadline);
  connection.write(url, request, deadline);
  bhttp::response<bhttp::string_body> message;
  connection.stream.expires_at(deadline);
  auto ec = connection.run(
      [&](auto handler) { bhttp::async_read(connection.stream, connection.buffer, message, handler); });
  if (ec) connection.fail("cannot read the response", ec);
  beast::error_code ignored;
  connection.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return {static_cast<int>(message.result_int()), std::string(message.reason()), headers_of(message),
          std::move(message.body())};
}

struct Stream::Impl {
  Connection connection;
  bhttp::response_parser<bhttp::buffer_body> parser;
  std::atomic<bool> cancelled{false};
  bool ended = false;
  int status = 0;
  std::string reason;
  Headers headers;
};

Stream::Stream(const Url& url, const Request& request, milliseconds timeout) : impl_(std::make_unique<Impl>()) {
  const auto deadline = Clock::now() + timeout;
  auto& c = impl_->connection;
  c.connect(url, deadline);
  c.write(url, request, deadline);
  // A subscription's body has no end: no limit on its size. Not boost::none:
  // Beast 1.74 then refuses every Content-Length body (it compares the
  // length with an empty optional).
  impl_->parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  c.stream.expires_at(deadline);
  auto ec = c.run([&](auto handler) { bhttp::async_read_header(c.stream, c.buffer, impl_->parser, handler); });
  if (ec) c.fail("cannot read the response header", ec);
  const auto& message = impl_->parser.get();
  impl_->status = static_cast<int>(message.result_int());
  impl_->reason = std::string(message.reason());
  impl_->headers = headers_of(message);
  impl_->ended = impl_->parser.is_done();
}

Stream::~Stream() = default;

int Stream::status() const { return impl_->status; }
const std::string& Stream::reason() const { return impl_->reason; }
const Headers& Stream::headers() const { return impl_->headers; }

std::optional<std::string> Stream::read(milliseconds idle) {
  auto& c = impl_->connection;
  auto& parser = impl_->parser;
  char chunk[16384];
  while (!impl_->ended && !impl_->cancelled) {
    auto& body = parser.get().body();
    body.data = chunk;
    body.size = sizeof chunk;
    if (idle.count() > 0)
      c.stream.expires_after(idle);
    else
      c.stream.expires_never();
    auto ec = c.run([&](auto handler) { bhttp::async_read_some(c.stream, c.buffer, parser, handler); });
    if (impl_->cancelled) break;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec == bhttp::error::end_of_stream) {
      impl_->ended = true;
      break;
    }
    if (ec) c.fail("cannot read the response", ec);
    const size_t got = sizeof chunk - parser.get().body().size;
    impl_->ended = parser.is_done();
    if (got > 0) return std::string(chunk, got);
  }
  return std::nullopt;
}

void Stream::cancel() {
  impl_->cancelled = true;
  auto& c = impl_->connection;
  // Runs on the reader's thread, inside its io.run(), or in the next one.
  asio::post(c.io, [&c] { c.stream.close(); });
}

}  // namespace dc::http
