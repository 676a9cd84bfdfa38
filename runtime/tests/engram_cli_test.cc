// `neuromesh engram serve|recall|imprint`, `effector serve calculator|files` and `tool call`,
// run as a user would against `neuromesh synapse start memory --port 0`.
#include "cli_child.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using neuromesh::runtime::test::child;
namespace fs = std::filesystem;

class engram_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = start_broker(broker_);
    ASSERT_FALSE(url_.empty()) << "broker did not start";
  }
  void TearDown() override {
    if (broker_) broker_->signal(SIGTERM);
  }
  std::unique_ptr<child> serve(std::vector<std::string> args) {
    args.push_back("--url");
    args.push_back(url_);
    return std::make_unique<child>(std::move(args));
  }
  struct outcome {
    int code;
    std::string out, err;
  };
  outcome call(std::vector<std::string> args) {
    args.push_back("--url");
    args.push_back(url_);
    child c(std::move(args));
    auto out = c.rest_out();
    std::string err;
    for (auto l = c.err_line(1s); l != "<eof>" && l != "<timeout>"; l = c.err_line(1s))
      err += l + "\n";
    return {c.wait(), out, err};
  }
  std::string url_;
  std::unique_ptr<child> broker_;
};

TEST_F(engram_cli, serve_prints_ready_then_imprint_and_recall_print_json_replies) {
  const auto dir = fs::path(::testing::TempDir()) / ("engram_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto db = (dir / "mem.db").string();
  fs::remove(db);
  auto server = serve({"engram", "serve", "-n", "dev", "--id", "notes", "--store", "sqlite:" + db});
  ASSERT_EQ(server->out_line(), "READY notes");

  auto put = call({"engram", "imprint", "-n", "dev", "--id", "notes", "--op", "upsert",
                   "--merge-key", "q:1", "--entry", R"({"content":{"answer":"forty-two"}})"});
  EXPECT_EQ(put.code, 0) << put.err;
  EXPECT_NE(put.out.find(R"("engram_id":"notes")"), std::string::npos) << put.out;
  EXPECT_NE(put.out.find(R"("version":1)"), std::string::npos) << put.out;

  auto get = call(
      {"engram", "recall", "-n", "dev", "--kind", "context", "--query", R"({"text":"FORTY"})"});
  EXPECT_EQ(get.code, 0) << get.err;
  EXPECT_NE(get.out.find(R"("engram_ids":["notes"])"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find(R"("content":{"answer":"forty-two"})"), std::string::npos) << get.out;

  // A bad flag value is a one-line error naming it (exit 2, a usage error); a silent target
  // times out with exit 1.
  auto bad = call({"engram", "imprint", "-n", "dev", "--id", "notes", "--entry", "[1]"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--entry"), std::string::npos) << bad.err;
  auto nobody = call({"engram", "recall", "-n", "dev", "--id", "nobody", "--deadline-ms", "100"});
  EXPECT_EQ(nobody.code, 1);
  EXPECT_NE(nobody.err.find("no reply within 100 ms"), std::string::npos) << nobody.err;

  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(), 0);
  // Durable: a new server on the same file finds the entry.
  auto again = serve({"engram", "serve", "-n", "dev", "--id", "notes", "--store", "sqlite:" + db});
  ASSERT_EQ(again->out_line(), "READY notes");
  auto later =
      call({"engram", "recall", "-n", "dev", "--id", "notes", "--query", R"({"merge_key":"q:1"})"});
  EXPECT_EQ(later.code, 0) << later.err;
  EXPECT_NE(later.out.find("forty-two"), std::string::npos) << later.out;
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait(), 0);
  fs::remove_all(dir);
}

TEST_F(engram_cli, effectors_serve_tools_and_tool_call_exits_1_on_an_error) {
  auto calc = serve({"effector", "serve", "calculator", "-n", "dev"});
  ASSERT_EQ(calc->out_line(), "READY calculator");
  auto sum = call({"tool", "call", "-n", "dev", "--tool", "add", "--args", R"({"a":2,"b":40})"});
  EXPECT_EQ(sum.code, 0) << sum.err;
  EXPECT_EQ(sum.out, "42\n");
  auto div = call({"tool", "call", "-n", "dev", "--tool", "div", "--args", R"({"a":1,"b":0})"});
  EXPECT_EQ(div.code, 1);
  EXPECT_EQ(div.out, "");
  EXPECT_NE(div.err.find("division by zero"), std::string::npos) << div.err;

  const auto root = fs::path(::testing::TempDir()) / ("files_cli_" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::ofstream(root / "hello.txt") << "hi there";
  auto files = serve({"effector", "serve", "files", "-n", "dev", "--root", root.string()});
  ASSERT_EQ(files->out_line(), "READY files");
  auto read = call({"tool", "call", "-n", "dev", "--id", "files", "--tool", "read", "--args",
                    R"({"path":"hello.txt"})"});
  EXPECT_EQ(read.code, 0) << read.err;
  EXPECT_NE(read.out.find("hi there"), std::string::npos) << read.out;
  auto escape = call({"tool", "call", "-n", "dev", "--id", "files", "--tool", "read", "--args",
                      R"({"path":"../../etc/passwd"})"});
  EXPECT_EQ(escape.code, 1);
  EXPECT_EQ(escape.out, "");
  EXPECT_NE(escape.err.find("leaves the root folder"), std::string::npos) << escape.err;
  auto nothing = call(
      {"tool", "call", "-n", "dev", "--id", "nobody", "--tool", "add", "--deadline-ms", "100"});
  EXPECT_EQ(nothing.code, 1);

  for (auto* c : {calc.get(), files.get()}) {
    c->signal(SIGTERM);
    EXPECT_EQ(c->wait(), 0);
  }
  fs::remove_all(root);
}

}  // namespace
