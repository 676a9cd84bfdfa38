#include "neuromesh/node/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace neuromesh::node {
namespace {

using namespace std::chrono_literals;

const char* no_env(const char*) { return nullptr; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const config_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(config, defaults_match_the_documented_endpoints) {
  auto c = resolve_config(std::nullopt, no_env, {});
  EXPECT_EQ(c.ns, "dev");
  EXPECT_EQ(c.data_dir, "neuromesh-data");
  EXPECT_EQ(c.broker_listen.to_string(), "127.0.0.1:7070");
  EXPECT_EQ(c.http_listen.to_string(), "127.0.0.1:8765");
  EXPECT_EQ(c.stale_after, 90s);
}

TEST(config, flags_beat_environment_beat_file) {
  auto file = std::filesystem::temp_directory_path() / "neuromesh-config-test.toml";
  std::ofstream(file) << "namespace = \"file\"\nstale_after = \"2m\"\nhttp_threads = 3\n"
                         "http_listen = \"0.0.0.0:1\"\n";
  auto env = [](const char* name) -> const char* {
    return std::string(name) == "NEUROMESH_NAMESPACE" ? "env" : nullptr;
  };
  config_sources src;
  auto c = resolve_config(file, env, {{"http_listen", "[::1]:0"}}, &src);
  EXPECT_EQ(c.ns, "env");
  EXPECT_EQ(c.stale_after, 120s);
  EXPECT_EQ(c.http_threads, 3u);
  EXPECT_EQ(c.http_listen.host, "::1");
  EXPECT_EQ(c.http_listen.to_string(), "[::1]:0");
  EXPECT_EQ(src["namespace"], "environment");
  EXPECT_EQ(src["stale_after"], "config file");
  EXPECT_EQ(src["http_listen"], "flag");
  EXPECT_EQ(src["data_dir"], "default");
  auto printed = print_config(c, src);
  EXPECT_NE(printed.find("stale_after = \"120s\"  # config file"), std::string::npos) << printed;
  std::filesystem::remove(file);
}

TEST(config, busy_polling_is_off_by_default_and_read_from_every_source) {
  EXPECT_EQ(resolve_config(std::nullopt, no_env, {}).busy_poll_us, 0u);
  auto env = [](const char* name) -> const char* {
    return std::string(name) == "NEUROMESH_BUSY_POLL_US" ? "50" : nullptr;
  };
  EXPECT_EQ(resolve_config(std::nullopt, env, {}).busy_poll_us, 50u);
  EXPECT_EQ(resolve_config(std::nullopt, env, {{"busy_poll_us", "20"}}).busy_poll_us, 20u);
  EXPECT_EQ(error_of([] {
              resolve_config(std::nullopt, no_env, {{"busy_poll_us", "20001"}});
            }),
            "--busy-poll-us: '20001': expected a whole number from 0 to 10000");
}

TEST(config, errors_name_the_key_the_origin_and_what_was_expected) {
  EXPECT_EQ(error_of([] {
              resolve_config(std::nullopt, no_env, {{"http_listen", "x"}});
            }),
            "--http-listen: 'x': expected HOST:PORT, e.g. 127.0.0.1:8765");
  EXPECT_EQ(error_of([] {
              resolve_config(std::nullopt,
                             [](const char* n) -> const char* {
                               return std::string(n) == "NEUROMESH_HTTP_THREADS" ? "0" : nullptr;
                             },
                             {});
            }),
            "NEUROMESH_HTTP_THREADS: '0': expected a whole number from 1 to 64");
  EXPECT_EQ(error_of([] { parse_config_toml("bogus = 1\n", "n.toml"); }),
            "config file n.toml:1: unknown key 'bogus'");
  EXPECT_EQ(error_of([] { parse_config_toml("namespace = [1]\n", "n.toml"); }),
            "config file n.toml:1: namespace must be a string or a number");
  EXPECT_TRUE(error_of([] {
                parse_config_toml("namespace = \n", "n.toml");
              }).starts_with("config file n.toml:"));
  EXPECT_EQ(error_of([] { parse_listen_address("1.2.3.4:65536"); }),
            "'1.2.3.4:65536': port '65536' is not a number from 0 to 65535");
  EXPECT_EQ(error_of([] { parse_listen_address("host.example:80"); }),
            "'host.example:80': host 'host.example' is not an IP address (use 127.0.0.1, "
            "0.0.0.0 or ::1)");
}

TEST(config, durations_take_units_and_bare_seconds) {
  EXPECT_EQ(parse_duration("90"), 90s);
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("2m"), 120s);
  EXPECT_EQ(parse_duration("1h"), 3600s);
  EXPECT_THROW(parse_duration("-1s"), config_error);
  EXPECT_THROW(parse_duration("5 s"), config_error);
  EXPECT_THROW(parse_duration(""), config_error);
}

// Random bytes and mutated valid files: every outcome is a value or a config_error that
// names the file; nothing else escapes.
TEST(config, random_toml_and_addresses_give_a_value_or_a_named_error) {
  std::mt19937 rng(1234);
  const std::string seed =
      "namespace = \"dev\"\nhttp_listen = \"127.0.0.1:8765\"\nstale_after = 90\n";
  const std::string alphabet = "=\"[]{}:.#\n 0123456789abcdefghijklmnopqrstuvwxyz_\\'-";
  for (int i = 0; i < 3000; ++i) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      auto pos = rng() % (text.size() + 1);
      if (rng() % 2 && !text.empty() && pos < text.size())
        text.erase(pos, 1 + rng() % 3);
      else
        text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
    }
    try {
      auto values = parse_config_toml(text, "f.toml");
      for (const auto& [k, v] : values) {
        EXPECT_TRUE(std::any_of(config_keys().begin(), config_keys().end(),
                                [&](const config_key& key) { return key.name == k; }));
      }
    } catch (const config_error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("config file f.toml:")) << e.what();
    }
    std::string addr;
    for (int j = 0; j < static_cast<int>(rng() % 20); ++j)
      addr += alphabet[rng() % alphabet.size()];
    try {
      auto a = parse_listen_address(addr);
      EXPECT_EQ(parse_listen_address(a.to_string()).to_string(), a.to_string());
    } catch (const config_error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("'" + addr + "'")) << e.what();
    }
  }
}

}  // namespace
}  // namespace neuromesh::node
