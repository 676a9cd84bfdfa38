// neuromesh engram serve|recall|imprint: host one Engram as its own process (REGISTER role
// "engram"; prints READY <engram_id> once registered), or RECALL / IMPRINT from a script,
// printing the reply as JSON.
#include "command.h"
#include "engram_cli.h"
#include "neuromesh/runtime/engram_url.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/array.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;

struct engram_args {
  std::string url;
  std::string ns = "dev";
  std::string id;
  std::string kind = "context";
  std::string store = "memory:";
  // recall
  std::string query = "{}";
  std::string filters;
  std::string mode = "first";
  double min_confidence = -1;
  // imprint
  std::string op = "append";
  std::string entry = "{}";
  std::string merge_key;
  std::int64_t deadline_ms = 2000;
};

rt::call_target target_of(const engram_args& a) {
  rt::call_target t;
  if (!a.id.empty()) t.id = a.id;
  if (!a.kind.empty() && a.id.empty()) t.kind = a.kind;
  t.deadline = std::chrono::milliseconds(a.deadline_ms);
  return t;
}

asio::awaitable<int> async_recall(std::shared_ptr<engram_args> a, json::object query,
                                  std::optional<json::object> filters) {
  auto c = co_await neuromesh::cli::async_connect_client("engram recall", a->url, a->ns);
  if (c.code != 0) co_return c.code;
  rt::recall_call r;
  r.target = target_of(*a);
  r.query = std::move(query);
  r.filters = std::move(filters);
  r.recall_mode = a->mode;
  if (a->min_confidence >= 0) r.min_confidence = a->min_confidence;
  auto out = co_await c.client->async_recall(std::move(r));
  int code = 0;
  if (!out) {
    std::fprintf(stderr, "engram recall: %s\n", out.error().message.c_str());
    code = 1;
  } else {
    json::array ids, hits;
    for (const auto& id : out->engram_ids) ids.emplace_back(id);
    for (const auto& h : out->hits) hits.push_back(h.to_json());
    neuromesh::cli::print_json(
        json::object{{"engram_ids", ids}, {"hits", hits}, {"truncated", out->truncated}});
  }
  co_await c.client->async_stop();
  co_await c.bus->async_close();
  co_return code;
}

asio::awaitable<int> async_imprint(std::shared_ptr<engram_args> a, json::object entry) {
  auto c = co_await neuromesh::cli::async_connect_client("engram imprint", a->url, a->ns);
  if (c.code != 0) co_return c.code;
  rt::imprint_call r;
  r.target = target_of(*a);
  r.op = a->op;
  r.entry = std::move(entry);
  if (!a->merge_key.empty()) r.merge_key = a->merge_key;
  r.await_ack = true;
  auto out = co_await c.client->async_imprint(std::move(r));
  int code = 0;
  if (!out) {
    std::fprintf(stderr, "engram imprint: %s\n", out.error().message.c_str());
    code = 1;
  } else {
    const auto& receipt = **out;
    json::object o{{"engram_id", receipt.engram_id}, {"op", rt::to_string(receipt.op)}};
    if (receipt.id) o["id"] = *receipt.id;
    if (receipt.version) o["version"] = *receipt.version;
    if (receipt.took_ms) o["took_ms"] = *receipt.took_ms;
    if (receipt.error) {
      o["error"] = *receipt.error;
      code = 1;
    }
    neuromesh::cli::print_json(o);
  }
  co_await c.client->async_stop();
  co_await c.bus->async_close();
  co_return code;
}

int run(asio::awaitable<int> a) {
  asio::io_context ctx(1);
  auto done = asio::co_spawn(ctx, std::move(a), asio::use_future);
  ctx.run();
  return done.get();
}

void add_common(CLI::App* cmd, engram_args& a) {
  cmd->add_option("--url", a.url, "Synapse URL: cosmo://host:port or nats://host:port")->required();
  cmd->add_option("-n,--namespace", a.ns, "Namespace")->capture_default_str();
}

void add_target(CLI::App* cmd, engram_args& a) {
  auto* id = cmd->add_option("--id", a.id, "engram_id to address");
  cmd->add_option("--kind", a.kind, "engram_kind to address (when no --id)")->excludes(id);
  cmd->add_option("--deadline-ms", a.deadline_ms, "How long to wait for replies")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

void add_engram(CLI::App& root) {
  auto* cmd = root.add_subcommand("engram", "Shared memory: host an Engram, RECALL, IMPRINT");
  cmd->require_subcommand(1);
  auto a = std::make_shared<engram_args>();

  auto* serve = cmd->add_subcommand("serve", "Host one Engram until Ctrl-C");
  add_common(serve, *a);
  serve->add_option("--id", a->id, "engram_id to announce")->required();
  serve->add_option("--kind", a->kind, "engram_kind to announce")->capture_default_str();
  serve->add_option("--store", a->store, "memory:, sqlite:PATH or postgres://...")
      ->capture_default_str();
  serve->callback([a] {
    auto e = rt::open_engram(
        a->store,
        rt::engram_identity{a->id, a->kind, {"substring", "tags", "merge_key", "time_range"}, "1"});
    if (!e) {
      std::fprintf(stderr, "engram serve: %s\n", e.error().message.c_str());
      return neuromesh::cli::set_exit_code(e.error().code == rt::engram_errc::invalid_argument ? 2
                                                                                               : 1);
    }
    std::shared_ptr<rt::engram> engram = std::move(*e);
    const int code =
        neuromesh::cli::serve_until_signal("engram serve", a->url, a->ns, engram, nullptr);
    engram->close();
    neuromesh::cli::set_exit_code(code);
  });

  auto* recall = cmd->add_subcommand("recall", "RECALL and print the hits as JSON");
  add_common(recall, *a);
  add_target(recall, *a);
  recall->add_option("--query", a->query, R"(Query object, e.g. {"text":"x","top_k":5})")
      ->capture_default_str();
  recall->add_option("--filters", a->filters, R"(Filters object, e.g. {"tags":["a"]})");
  recall->add_option("--mode", a->mode, "first, merge or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"first", "merge", "all"}));
  recall->add_option("--min-confidence", a->min_confidence, "Drop hits scoring lower");
  recall->callback([a] {
    auto query = neuromesh::cli::json_object_flag("engram recall", "--query", a->query);
    if (!query) return neuromesh::cli::set_exit_code(2);
    std::optional<json::object> filters;
    if (!a->filters.empty()) {
      filters = neuromesh::cli::json_object_flag("engram recall", "--filters", a->filters);
      if (!filters) return neuromesh::cli::set_exit_code(2);
    }
    neuromesh::cli::set_exit_code(run(async_recall(a, std::move(*query), std::move(filters))));
  });

  auto* imprint = cmd->add_subcommand("imprint", "IMPRINT, wait for IMPRINTED, print it as JSON");
  add_common(imprint, *a);
  add_target(imprint, *a);
  imprint->add_option("--op", a->op, "add, append, upsert, merge or delete")
      ->capture_default_str()
      ->check(CLI::IsMember({"add", "append", "upsert", "merge", "delete"}));
  imprint->add_option("--entry", a->entry, R"(Entry object, e.g. {"content":{"a":1},"tags":[]})")
      ->capture_default_str();
  imprint->add_option("--merge-key", a->merge_key, "Grouping key (upsert and merge need one)");
  imprint->callback([a] {
    auto entry = neuromesh::cli::json_object_flag("engram imprint", "--entry", a->entry);
    if (!entry) return neuromesh::cli::set_exit_code(2);
    neuromesh::cli::set_exit_code(run(async_imprint(a, std::move(*entry))));
  });
}

const neuromesh::cli::registrar reg{"engram", 70, add_engram};

}  // namespace
