// A Mesos 1.0 master (and its one agent's HTTP endpoints) stand-in for
// tests/integration/launch_cluster_test.sh: HTTP on 127.0.0.1 speaking the
// v1 scheduler API as src/master/http.cpp (Master::Http::scheduler) does,
// scripted by the test.
//
//   master-standin --port-file F --record F --sandbox DIR [--offer ID:CPUS:MEM]...
//                  [--principal P --secret S] [--zk HOST:PORT/PATH [--known-task STATE]]
//                  [--before-v1]  <commands
//
// With --zk it contends for leadership as a 1.0.1 master does
// (src/master/contender/zookeeper.cpp, src/zookeeper/group.cpp): an
// ephemeral sequential znode PATH/json.info_NNNNNNNNNN holding its MasterInfo
// as JSON (JSON::protobuf field names). The lowest sequence leads; a master
// that does not lead answers /api/v1/scheduler with a 307 to the leader's
// "//hostname:port/api/v1/scheduler" (Master::Http::redirect), or 503 "No
// leader elected". --known-task: as a newly elected master whose agent
// re-registered with the framework's task in STATE, it answers RECONCILE
// with that state (Master::reconcile: no uuid, "Reconciliation: Latest task
// state"). --before-v1: a master older than 0.24, 404 for /api/v1/scheduler.
//
// After SUBSCRIBED it sends one OFFERS event with the --offer offers. Each
// call it receives is appended to the record file as one line, "TYPE
// <the Call in protobuf text format>". Commands on stdin, one a line:
//   update STATE [healthy=true|false] [MESSAGE]   queue a status update of the launched task
// Updates go out one at a time, the next once the previous is acknowledged
// (the agent's status update manager keeps one unacknowledged update in
// flight per task). A KILL queues TASK_KILLED as the command executor sends
// it. The agent's endpoints are served on the same port: /slave(1)/state
// (the task's executor with `directory` DIR) and /files/read (src/files/files.cpp);
// a request to them with an Authorization header is recorded as
// "AGENT-AUTHORIZATION PATH".
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <google/protobuf/text_format.h>
#include <nlohmann/json.hpp>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <csignal>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scheduler.pb.h"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using mesos::scheduler::Call;
using mesos::scheduler::Event;

namespace {

const char* const kProtobuf = "application/x-protobuf";

struct Options {
  std::string port_file, record, sandbox, principal, secret, zk, known_task;
  std::vector<std::string> offers;  // ID:CPUS:MEM
  bool before_v1 = false;
};

// Everything the connections share, under one mutex: a test stand-in, one
// framework at a time.
struct Master {
  std::mutex mutex;
  std::condition_variable changed;
  Options options;
  int port = 0;
  std::string stream_id;                 // of the current subscription
  bool subscribed = false;
  std::deque<std::string> events;        // serialized, waiting for the stream
  std::optional<mesos::TaskInfo> task;   // the launched task
  std::deque<mesos::TaskStatus> pending;  // updates not yet sent
  std::string in_flight;                 // uuid of the update awaiting its ACKNOWLEDGE
  std::mt19937_64 random{std::random_device{}()};
  zhandle_t* zk = nullptr;               // with --zk, until resign
  std::string member;                    // our znode's name in the group
};

Master master;

std::string uuid_bytes() {
  std::string bytes(16, '\0');
  for (auto& b : bytes) b = static_cast<char>(master.random() & 0xff);
  return bytes;
}

std::string uuid_text() {
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned char b : uuid_bytes()) text += {hex[b >> 4], hex[b & 15]};
  return text;
}

void record(const std::string& line) {
  std::ofstream out(master.options.record, std::ios::app);
  out << line << "\n";
}

// Call with the lock held.
void push(const Event& event) {
  master.events.push_back(event.SerializeAsString());
  master.changed.notify_all();
}

// Sends the next queued update unless one awaits its acknowledgement.
void send_next_update() {
  if (!master.task || !master.in_flight.empty() || master.pending.empty() || !master.subscribed) return;
  mesos::TaskStatus status = master.pending.front();
  master.pending.pop_front();
  // What the agent fills in before the master forwards it (slave.cpp,
  // status_update_manager.cpp): the task, agent, executor (a command task's
  // executor id is its task id), a fresh uuid.
  *status.mutable_task_id() = master.task->task_id();
  *status.mutable_slave_id() = master.task->slave_id();
  status.mutable_executor_id()->set_value(master.task->task_id().value());
  status.set_source(mesos::TaskStatus::SOURCE_EXECUTOR);
  status.set_timestamp(static_cast<double>(time(nullptr)));
  status.set_uuid(uuid_bytes());
  master.in_flight = status.uuid();
  Event event;
  event.set_type(Event::UPDATE);
  *event.mutable_update()->mutable_status() = status;
  push(event);
}

void queue_update(mesos::TaskState state, std::string message) {
  mesos::TaskStatus status;
  status.set_state(state);
  for (const std::string health : {"healthy=true", "healthy=false"})
    if (message.rfind(health, 0) == 0) {
      status.set_healthy(health == "healthy=true");
      message = message.substr(std::min(message.size(), health.size() + 1));  // and its blank
    }
  if (!message.empty()) status.set_message(message);
  master.pending.push_back(status);
  send_next_update();
}

Event offers() {
  Event event;
  event.set_type(Event::OFFERS);
  for (const auto& text : master.options.offers) {
    std::istringstream in(text);
    std::string id, cpus, mem;
    std::getline(in, id, ':');
    std::getline(in, cpus, ':');
    std::getline(in, mem, ':');
    auto* offer = event.mutable_offers()->add_offers();
    offer->mutable_id()->set_value(id);
    offer->mutable_agent_id()->set_value("agent-" + id);
    offer->set_hostname("standin-" + id);
    // As Master::offer builds it: the agent's pid address and id.
    auto* url = offer->mutable_url();
    url->set_scheme("http");
    url->mutable_address()->set_hostname("standin-" + id);
    url->mutable_address()->set_ip("127.0.0.1");
    url->mutable_address()->set_port(master.port);
    url->set_path("/slave(1)");
    for (auto [name, value] : {std::pair{"cpus", cpus}, std::pair{"mem", mem}}) {
      auto* r = offer->add_resources();
      r->set_name(name);
      r->set_type(mesos::Value::SCALAR);
      r->mutable_scalar()->set_value(std::stod(value));
      r->set_role("*");
    }
  }
  return event;
}

// --- ZooKeeper, as a 1.0.1 master's contender uses it

std::string zk_path() { return master.options.zk.substr(master.options.zk.find('/')); }

// JSON::protobuf(MasterInfo) of a master on 127.0.0.1 (Master::initialize:
// id, ip in network byte order, port, pid, hostname, version, address).
std::string master_info() {
  const std::string port = std::to_string(master.port);
  return nlohmann::json{{"id", "standin-master-" + port},
                        {"ip", 16777343},
                        {"port", master.port},
                        {"pid", "master@127.0.0.1:" + port},
                        {"hostname", "localhost"},
                        {"version", "1.0.1"},
                        {"address", {{"hostname", "localhost"}, {"ip", "127.0.0.1"}, {"port", master.port}}}}
      .dump();
}

std::mutex zk_mutex;
std::condition_variable zk_changed;
bool zk_connected = false;

void zk_watcher(zhandle_t*, int type, int state, const char*, void*) {
  if (type != ZOO_SESSION_EVENT) return;
  std::lock_guard<std::mutex> lock(zk_mutex);
  zk_connected = state == ZOO_CONNECTED_STATE;
  zk_changed.notify_all();
}

// Group::join: the path made (persistent, recursively), then the member.
void contend() {
  zoo_set_debug_level(static_cast<ZooLogLevel>(0));
  const std::string& url = master.options.zk;
  master.zk = zookeeper_init(url.substr(0, url.find('/')).c_str(), zk_watcher, 10000, nullptr, nullptr, 0);
  if (!master.zk) throw std::runtime_error("zookeeper_init failed");
  {
    std::unique_lock<std::mutex> lock(zk_mutex);
    if (!zk_changed.wait_for(lock, std::chrono::seconds(20), [] { return zk_connected; }))
      throw std::runtime_error("cannot connect to ZooKeeper at " + url);
  }
  const std::string path = zk_path();
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    const int rc = zoo_create(master.zk, prefix.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) throw std::runtime_error("cannot create " + prefix + ": " + zerror(rc));
    if (slash == std::string::npos) break;
  }
  const std::string data = master_info();
  char created[512] = "";
  const int rc = zoo_create(master.zk, (path + "/json.info_").c_str(), data.data(), static_cast<int>(data.size()),
                            &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE, created, sizeof created);
  if (rc != ZOK) throw std::runtime_error(std::string("cannot join the group: ") + zerror(rc));
  master.member = std::string(created).substr(path.size() + 1);
}

// The lowest sequence among the group's members (LeaderDetector), and
// whether it is ours; nullopt when the group is empty.
std::optional<std::pair<std::string, bool>> leader() {
  if (!master.zk) return std::nullopt;
  String_vector children{};
  if (zoo_get_children(master.zk, zk_path().c_str(), 0, &children) != ZOK) return std::nullopt;
  std::vector<std::string> names(children.data, children.data + children.count);
  deallocate_String_vector(&children);
  if (names.empty()) return std::nullopt;
  auto seq = [](const std::string& name) { return std::stol(name.substr(name.find_last_of('_') + 1)); };
  std::string member;
  {
    std::lock_guard<std::mutex> lock(master.mutex);
    member = master.member;
  }
  const std::string lowest = *std::min_element(
      names.begin(), names.end(), [&](const std::string& a, const std::string& b) { return seq(a) < seq(b); });
  std::string data(4096, '\0');
  int length = static_cast<int>(data.size());
  if (zoo_get(master.zk, (zk_path() + "/" + lowest).c_str(), 0, data.data(), &length, nullptr) != ZOK)
    return std::nullopt;
  data.resize(static_cast<size_t>(std::max(length, 0)));
  const auto info = nlohmann::json::parse(data, nullptr, false);
  if (info.is_discarded()) return std::nullopt;
  const std::string authority = info.value("hostname", "") + ":" + std::to_string(info.value("port", 0));
  return std::pair{authority, lowest == member};
}

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response reply(const Request& request, http::status status, const std::string& body = "",
               const std::string& type = "text/plain; charset=utf-8") {
  Response response{status, request.version()};
  response.keep_alive(request.keep_alive());
  if (!body.empty()) response.set(http::field::content_type, type);
  response.body() = body;
  response.prepare_payload();
  return response;
}

// libprocess's BasicAuthenticator: "Basic base64(principal:secret)".
bool authorized(const Request& request) {
  if (master.options.principal.empty()) return true;
  const std::string value(request[http::field::authorization]);
  if (value.compare(0, 6, "Basic ") != 0) return false;
  const std::string encoded = value.substr(6);
  std::string decoded(beast::detail::base64::decoded_size(encoded.size()), '\0');
  decoded.resize(beast::detail::base64::decode(decoded.data(), encoded.data(), encoded.size()).first);
  return decoded == master.options.principal + ":" + master.options.secret;
}

// Holds a SUBSCRIBE's response open and writes queued events as RecordIO
// chunks until TEARDOWN, a newer SUBSCRIBE or a write error.
void stream(tcp::socket& socket, const Request& request, const Call& call) {
  std::unique_lock<std::mutex> lock(master.mutex);
  const std::string stream_id = master.stream_id = uuid_text();
  master.subscribed = true;
  master.events.clear();
  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value("standin-framework");
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  push(subscribed);
  if (!master.options.offers.empty()) push(offers());
  record("SUBSCRIBE " + call.ShortDebugString());

  http::response<http::empty_body> header{http::status::ok, request.version()};
  header.set(http::field::content_type, kProtobuf);
  header.set("Mesos-Stream-Id", stream_id);
  header.chunked(true);
  http::response_serializer<http::empty_body> serializer{header};
  lock.unlock();
  beast::error_code error;
  http::write_header(socket, serializer, error);
  lock.lock();
  while (!error) {
    master.changed.wait(lock, [&] { return !master.events.empty() || master.stream_id != stream_id; });
    if (master.stream_id != stream_id) break;
    const std::string event = master.events.front();
    master.events.pop_front();
    const std::string record = std::to_string(event.size()) + "\n" + event;
    lock.unlock();
    net::write(socket, http::make_chunk(net::buffer(record)), error);
    lock.lock();
  }
  if (!error) net::write(socket, http::make_chunk_last(), error);
}

// Master::reconcile, explicit, for a task the master knows (--known-task).
void reconcile(const Call& call) {
  mesos::TaskState state;
  if (call.reconcile().tasks_size() == 0 || !mesos::TaskState_Parse(master.options.known_task, &state)) return;
  master.task.emplace();
  *master.task->mutable_task_id() = call.reconcile().tasks(0).task_id();
  *master.task->mutable_slave_id() = call.reconcile().tasks(0).agent_id();
  mesos::TaskStatus status;
  *status.mutable_task_id() = master.task->task_id();
  *status.mutable_slave_id() = master.task->slave_id();
  status.set_state(state);
  status.set_source(mesos::TaskStatus::SOURCE_MASTER);
  status.set_reason(mesos::TaskStatus::REASON_RECONCILIATION);
  status.set_message("Reconciliation: Latest task state");
  status.set_timestamp(static_cast<double>(time(nullptr)));
  Event event;
  event.set_type(Event::UPDATE);
  *event.mutable_update()->mutable_status() = status;
  push(event);
}

// Leaves the group and ends the framework's stream, as a master going away.
void resign() {
  std::lock_guard<std::mutex> lock(master.mutex);
  if (master.zk && !master.member.empty()) zoo_delete(master.zk, (zk_path() + "/" + master.member).c_str(), -1);
  master.member.clear();
  master.subscribed = false;
  master.stream_id.clear();
  master.changed.notify_all();
}

// Not the leader (with --zk): a 307 to the leader, or 503 without one.
std::optional<Response> redirect(const Request& request) {
  if (master.options.zk.empty()) return std::nullopt;
  const auto current = leader();
  if (current && current->second) return std::nullopt;
  if (!current) return reply(request, http::status::service_unavailable, "No leader elected");
  Response response = reply(request, http::status::temporary_redirect);
  // libprocess hands the master the path under its own id: a 1.0.1 master
  // was seen to send "Location: //localhost:PORT/master/api/v1/scheduler".
  response.set(http::field::location, "//" + current->first + "/master/api/v1/scheduler");
  return response;
}

Response handle_call(const Request& request, const Call& call) {
  std::lock_guard<std::mutex> lock(master.mutex);
  // As Master::Http::scheduler: the stream id and the framework first.
  if (call.framework_id().value() != "standin-framework")
    return reply(request, http::status::bad_request, "Framework cannot be found");
  if (!master.subscribed) return reply(request, http::status::forbidden, "Framework is not subscribed");
  if (request["Mesos-Stream-Id"] != master.stream_id)
    return reply(request, http::status::bad_request,
                 "The stream ID included in this request didn't match the stream ID currently associated with "
                 "framework ID 'standin-framework'");
  record(Call::Type_Name(call.type()) + " " + call.ShortDebugString());
  switch (call.type()) {
    case Call::ACCEPT:
      for (const auto& operation : call.accept().operations())
        for (const auto& task : operation.launch().task_infos()) master.task = task;
      send_next_update();
      break;
    case Call::ACKNOWLEDGE:
      if (call.acknowledge().uuid() == master.in_flight) master.in_flight.clear();
      send_next_update();
      break;
    case Call::KILL:
      // The command executor's kill: SIGTERM, then this update (executor.cpp).
      queue_update(mesos::TASK_KILLED, "Command terminated with signal Terminated");
      break;
    case Call::RECONCILE:
      reconcile(call);
      break;
    case Call::TEARDOWN:
      // Master::removeFramework closes the framework's event stream.
      master.subscribed = false;
      master.stream_id.clear();
      master.changed.notify_all();
      break;
    default:
      break;
  }
  return reply(request, http::status::accepted);
}

// The agent's /slave(1)/state, only the fields a scheduler reads to find
// the task's sandbox (src/slave/http.cpp: frameworks[].executors[].directory).
Response state(const Request& request) {
  std::lock_guard<std::mutex> lock(master.mutex);
  nlohmann::json frameworks = nlohmann::json::array();
  if (master.task) {
    const std::string id = master.task->task_id().value();
    frameworks.push_back({{"id", "standin-framework"},
                          {"executors",
                           {{{"id", id}, {"directory", master.options.sandbox}, {"tasks", {{{"id", id}}}}}}},
                          {"completed_executors", nlohmann::json::array()}});
  }
  const nlohmann::json body = {{"id", master.task ? master.task->slave_id().value() : ""},
                               {"frameworks", frameworks},
                               {"completed_frameworks", nlohmann::json::array()}};
  return reply(request, http::status::ok, body.dump(), "application/json");
}

std::string query(const std::string& target, const std::string& key) {
  const size_t start = target.find('?');
  if (start == std::string::npos) return "";
  std::istringstream in(target.substr(start + 1));
  for (std::string pair; std::getline(in, pair, '&');) {
    if (pair.compare(0, key.size() + 1, key + "=") != 0) continue;
    std::string value;  // percent-decoding
    for (size_t i = key.size() + 1; i < pair.size(); ++i) {
      if (pair[i] == '%' && i + 2 < pair.size()) {
        value += static_cast<char>(std::stoi(pair.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        value += pair[i] == '+' ? ' ' : pair[i];
      }
    }
    return value;
  }
  return "";
}

// FilesProcess::_read: offset -1 means the end; at most 16 pages a read;
// {"data": ..., "offset": ...}; 404 for a path outside what is attached.
Response read_file(const Request& request) {
  const std::string target(request.target());
  const std::string path = query(target, "path");
  const std::string& sandbox = master.options.sandbox;
  if (path.compare(0, sandbox.size() + 1, sandbox + "/") != 0 || path.find("..") != std::string::npos)
    return reply(request, http::status::not_found);
  std::ifstream in(path, std::ios::binary);
  if (!in) return reply(request, http::status::not_found);
  in.seekg(0, std::ios::end);
  const long size = static_cast<long>(in.tellg());
  const std::string offset_text = query(target, "offset"), length_text = query(target, "length");
  long offset = offset_text.empty() ? -1 : std::stol(offset_text);
  if (offset == -1) offset = size;
  long length = length_text.empty() || length_text == "-1" ? size - offset : std::stol(length_text);
  length = std::min(length, 16L * 4096);
  std::string data;
  if (offset < size) {
    data.resize(static_cast<size_t>(std::min(length, size - offset)));
    in.seekg(offset);
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
  } else {
    offset = size;
  }
  const nlohmann::json body = {{"data", data}, {"offset", offset}};
  return reply(request, http::status::ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
               "application/json");
}

void serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  beast::error_code error;
  for (;;) {
    Request request;
    http::read(socket, buffer, request, error);
    if (error) return;
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    Response response;
    if (path == "/api/v1/scheduler" || path == "/master/api/v1/scheduler") {
      Call call;
      std::optional<Response> elsewhere;
      if (master.options.before_v1) {
        response = reply(request, http::status::not_found);  // libprocess: no such route
      } else if (!authorized(request)) {
        std::lock_guard<std::mutex> lock(master.mutex);
        record("UNAUTHORIZED");
        response = reply(request, http::status::unauthorized);
        response.set(http::field::www_authenticate, "Basic realm=\"mesos\"");
      } else if ((elsewhere = redirect(request))) {
        response = *elsewhere;
      } else if (request.method() != http::verb::post) {
        response = reply(request, http::status::method_not_allowed);
      } else if (request[http::field::content_type] != kProtobuf) {
        response = reply(request, http::status::unsupported_media_type, "Expecting 'Content-Type' of ...");
      } else if (!call.ParseFromString(request.body())) {
        response = reply(request, http::status::bad_request, "Failed to parse body into Call protobuf");
      } else if (call.type() == Call::SUBSCRIBE) {
        if (request.count("Mesos-Stream-Id") > 0) {
          response = reply(request, http::status::bad_request,
                           "Subscribe calls should not include the 'Mesos-Stream-Id' header");
        } else {
          stream(socket, request, call);
          return;
        }
      } else {
        response = handle_call(request, call);
      }
    } else if (path == "/slave(1)/state" || path == "/files/read") {
      // A scheduler's credentials are the master's to see, never an agent's.
      if (request.count(http::field::authorization) > 0) {
        std::lock_guard<std::mutex> lock(master.mutex);
        record("AGENT-AUTHORIZATION " + path);
      }
      response = path == "/files/read" ? read_file(request) : state(request);
    } else {
      response = reply(request, http::status::not_found);
    }
    http::write(socket, response, error);
    if (error || !request.keep_alive()) return;
  }
}

void read_commands() {
  for (std::string line; std::getline(std::cin, line);) {
    std::istringstream in(line);
    std::string command, state_name, message;
    in >> command >> state_name;
    std::getline(in >> std::ws, message);
    if (command == "resign") {
      resign();
      continue;
    }
    mesos::TaskState state;
    if (command != "update" || !mesos::TaskState_Parse(state_name, &state)) {
      std::cerr << "master-standin: unknown command: " << line << "\n";
      continue;
    }
    std::lock_guard<std::mutex> lock(master.mutex);
    queue_update(state, message);
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--before-v1") {
      o.before_v1 = true;
      continue;
    }
    if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--port-file") o.port_file = value;
    else if (flag == "--record") o.record = value;
    else if (flag == "--sandbox") o.sandbox = value;
    else if (flag == "--offer") o.offers.push_back(value);
    else if (flag == "--principal") o.principal = value;
    else if (flag == "--secret") o.secret = value;
    else if (flag == "--zk") o.zk = value;
    else if (flag == "--known-task") o.known_task = value;
    else throw std::runtime_error("unknown flag " + flag);
  }
  if (o.port_file.empty() || o.record.empty() || o.sandbox.empty())
    throw std::runtime_error("--port-file, --record and --sandbox are required");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    master.options = parse(argc, argv);
    net::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    master.port = acceptor.local_endpoint().port();
    if (!master.options.zk.empty()) contend();
    const std::string partial = master.options.port_file + ".partial";
    std::ofstream(partial) << master.port << "\n";
    std::rename(partial.c_str(), master.options.port_file.c_str());
    std::thread(read_commands).detach();
    for (;;) std::thread(serve, acceptor.accept()).detach();
  } catch (const std::exception& e) {
    std::cerr << "master-standin: " << e.what() << "\n";
    return 1;
  }
}
