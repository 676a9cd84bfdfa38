// The node's routes on the catalog's HTTP port (catalog::service_extension):
//
//   GET  /, /app.js, /style.css   the web view (embedded assets)
//   GET  /events                   Server-Sent Events: hello, recent Signals, live Signals
//                                  (?backlog=N limits the recent ones)
//   GET  /api/info                 namespace and endpoints (the hello event's JSON)
//   GET  /api/neurons              every NeuronRecord with its liveness (alive/stale/
//                                  deregistered), deregistered ones included
//   POST /api/tasks                {"input":{...}, "neuron":"id"} or {"input":{...},
//                                  "capabilities":["a"]} -> 202 {"id","trace_id","subject"}
//   POST /api/answer               {"request_id":"evt_...", "answer":...} for a CLARIFICATION,
//                                  {"request_id":"evt_...", "granted":true, "reason":"..."}
//                                  for a PERMISSION -> 202 {"id","trace_id","type"}
//
// Bad bodies get 400/404/422 with {"detail": "..."} naming the field.
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "node_impl.h"
#include "web_assets.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <variant>

namespace neuromesh::node {
namespace {

using catalog::http_method;
using catalog::request;
using catalog::response;

response text_response(unsigned status, std::string content_type, std::string body) {
  response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::make_shared<const std::string>(std::move(body));
  return r;
}

response json_response(unsigned status, const boost::json::value& v) {
  return text_response(status, "application/json", boost::json::serialize(v));
}

response error(unsigned status, std::string detail) {
  return json_response(status, boost::json::object{{"detail", std::move(detail)}});
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// The body as a JSON object, or a 400 naming what is wrong.
std::variant<boost::json::object, response> body_object(const request& req) {
  if (!req.body || req.body->empty()) return error(400, "a JSON object body is required");
  boost::system::error_code ec;
  auto v = boost::json::parse(*req.body, ec);
  if (ec) return error(400, "body is not valid JSON: " + ec.message());
  if (!v.is_object()) return error(400, "body must be a JSON object");
  return std::move(v.get_object());
}

std::vector<std::string> string_list(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) out.emplace_back(item.get_string());
  return out;
}

bool is_string_list(const boost::json::value& v) {
  if (!v.is_array()) return false;
  for (const auto& item : v.get_array())
    if (!item.is_string() || item.get_string().empty()) return false;
  return true;
}

response neurons(node::impl& self) {
  auto list = self.store->list({.capability = std::nullopt, .include_deregistered = true});
  if (!list) return error(503, "registry store unavailable: " + list.error().message);
  registry_mirror classifier(self.store, self.mirror->options());
  boost::json::array out;
  for (const auto& r : *list) {
    auto o = r.to_dict();
    o["liveness"] = to_string(classifier.classify(r));
    out.push_back(std::move(o));
  }
  return json_response(200, out);
}

response dispatch_task(node::impl& self, const request& req) {
  auto parsed = body_object(req);
  if (auto* r = std::get_if<response>(&parsed)) return std::move(*r);
  auto& body = std::get<boost::json::object>(parsed);
  protocol::task_args args;
  protocol::envelope_options env;
  auto* input = body.if_contains("input");
  if (!input || !input->is_object()) return error(422, "input: must be a JSON object");
  args.input = protocol::raw_object(input->get_object());
  if (auto* n = body.if_contains("neuron"); n && !n->is_null()) {
    if (!n->is_string() || n->get_string().empty())
      return error(422, "neuron: must be a non-empty string (a neuron id)");
    env.directed = protocol::directed{.id = std::string(n->get_string())};
  }
  if (auto* caps = body.if_contains("capabilities"); caps && !caps->is_null()) {
    if (!is_string_list(*caps)) return error(422, "capabilities: must be an array of strings");
    args.capabilities = string_list(*caps);
  }
  if (!env.directed && args.capabilities.empty())
    return error(422, "neuron or capabilities: say who should take the task");
  auto s = protocol::task_signal(args, env);
  boost::json::object out{{"id", s.id.str()},
                          {"trace_id", s.trace_id.str()},
                          {"subject", protocol::subject_for(self.config.ns, s)}};
  if (auto why = self.publish_blocking(std::move(s), std::chrono::seconds(2)); !why.empty())
    return error(503, why);
  return json_response(202, out);
}

response answer(node::impl& self, const request& req) {
  auto parsed = body_object(req);
  if (auto* r = std::get_if<response>(&parsed)) return std::move(*r);
  auto& body = std::get<boost::json::object>(parsed);
  auto* id = body.if_contains("request_id");
  if (!id || !id->is_string())
    return error(422, "request_id: must be the id of a CLARIFICATION or PERMISSION");
  std::optional<protocol::signal> request_signal;
  {
    std::lock_guard lock(self.requests_mu);
    auto it = self.open_requests.find(std::string(id->get_string()));
    if (it != self.open_requests.end()) request_signal = it->second;
  }
  if (!request_signal)
    return error(
        404, "request_id: no open CLARIFICATION or PERMISSION " + std::string(id->get_string()));
  protocol::envelope_options env;
  env.trace = request_signal->trace_id;
  env.parent = request_signal->id;
  env.directed = protocol::directed{.id = std::string(node_identity)};
  protocol::signal reply;
  if (request_signal->type == protocol::signal_type::clarification) {
    auto* a = body.if_contains("answer");
    if (!a) return error(422, "answer: required to answer a CLARIFICATION");
    reply = protocol::clarification_answer_signal(*a, env);
  } else {
    auto* g = body.if_contains("granted");
    if (!g || !g->is_bool()) return error(422, "granted: must be true or false for a PERMISSION");
    protocol::permission_decision_args pa;
    pa.granted = g->get_bool();
    if (auto* why = body.if_contains("reason"); why && why->is_string())
      pa.reason = std::string(why->get_string());
    reply = protocol::permission_decision_signal(pa, env);
  }
  boost::json::object out{{"id", reply.id.str()},
                          {"trace_id", reply.trace_id.str()},
                          {"type", std::string(protocol::to_string(reply.type))}};
  if (auto why = self.publish_blocking(std::move(reply), std::chrono::seconds(2)); !why.empty())
    return error(503, why);
  {
    std::lock_guard lock(self.requests_mu);
    self.open_requests.erase(request_signal->id.str());
  }
  return json_response(202, out);
}

std::optional<response> handle(node::impl& self, const request& req) {
  std::string_view target = req.target;
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  const bool get = req.method == http_method::get || req.method == http_method::head;
  const bool post = req.method == http_method::post;
  if (path == "/events") {
    if (!get) return error(405, "Method Not Allowed");
    std::size_t backlog = self.config.feed_buffer;
    if (auto b = query_param(query, "backlog")) {
      std::size_t v = 0;
      auto [p, ec] = std::from_chars(b->data(), b->data() + b->size(), v);
      if (ec != std::errc() || p != b->data() + b->size())
        return error(422, "backlog: must be a whole number");
      backlog = v;
    }
    auto r = text_response(200, "text/event-stream", {});
    r.stream = self.feed.subscribe(self.hello_json(), backlog);
    return r;
  }
  if (path == "/api/info") return text_response(200, "application/json", self.hello_json());
  if (path == "/api/neurons") return get ? neurons(self) : error(405, "Method Not Allowed");
  if (path == "/api/tasks")
    return post ? dispatch_task(self, req) : error(405, "Method Not Allowed");
  if (path == "/api/answer") return post ? answer(self, req) : error(405, "Method Not Allowed");
  if (const auto* a = detail::find_web_asset(path); a && get) {
    auto r = text_response(200, std::string(a->content_type), std::string(a->body));
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return std::nullopt;
}

}  // namespace

catalog::service_extension node::impl::make_extension() {
  catalog::service_extension ext;
  ext.handle = [this](const request& req) {
    try {
      return handle(*this, req);
    } catch (const std::invalid_argument& e) {
      // A builder refused the Signal (protocol validation): bad input, named.
      return std::optional<response>(error(422, e.what()));
    }
  };
  ext.metrics = [this] { return render_metrics(); };
  return ext;
}

}  // namespace neuromesh::node
