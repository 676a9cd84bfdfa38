// Randomized test of decode(): a mutation loop seeded with real envelopes. Every input must
// end as a Signal or an error (no crash, no hang, sanitizers quiet), and a decoded Signal is
// a fixed point: encode -> decode -> encode gives the same bytes.
//
// Iterations: NEUROMESH_FUZZ_ITERATIONS (default 10^6; 10^5 in sanitizer builds), bounded by
// NEUROMESH_FUZZ_SECONDS (default 30). Seed: NEUROMESH_FUZZ_SEED (default random, printed).
#include "neuromesh/protocol/codec.h"
#include "neuromesh/testing/testing.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace neuromesh::protocol {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr const char* default_iterations = "100000";
#else
constexpr const char* default_iterations = "1000000";
#endif

std::vector<std::string> seeds() {
  std::vector<std::string> out = {
      R"({"v":"1","id":"evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T","trace_id":"trc_01JV8Y3Q6W5T2K9M4N7P0R1S2V","parent_id":null,"type":"TASK","directed":{"id":"answerer","type":null,"capabilities":[]},"ts":"2026-05-16T14:22:01.391234Z","payload":{"input":{"q":"hi"}},"meta":{}})",
      R"({ "type" : "AGENT_OUTPUT", "ts": 1700000000.5, "payload": {"output": {"a": [1, -0, 1E5, 0.50, NaN, -Infinity, 123456789012345678901234567890, "\u00e9\ud83d\ude00\/"], "a": {"b": null}}}, "meta": {"x": true}, "neuron": "legacy"})",
      R"({"type":"RECALL","directed":{"id":"ctx","zz":[1,{"q":2}],"capabilities":["a","b"]},"ts":"2026-05-16 14:22","parent_id":"evt_p","payload":{"query":{},"recall_mode":"first"}})",
      R"({"type":"STOP","v":"1.3","ts":"2026-05-16T14:22:01.123456789-05:30","payload":{"rollback":false,"reason":"\"quoted\" \\ \b\f\n\r\t \u0001"}})",
  };
  std::ifstream in(testing::source_path("examples/signals.jsonl"));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

constexpr std::string_view tokens[] = {"{",
                                       "}",
                                       "[",
                                       "]",
                                       "\"",
                                       "\\",
                                       "\\u",
                                       "\\ud83d",
                                       "\\udc00",
                                       ":",
                                       ",",
                                       "0",
                                       "-",
                                       ".",
                                       "e",
                                       "E+",
                                       "1e400",
                                       "NaN",
                                       "-Infinity",
                                       "null",
                                       "true",
                                       "\"type\":\"TASK\"",
                                       "\"payload\":",
                                       "\xff",
                                       "\xc3",
                                       "\xe2\x82",
                                       "\xf0\x9f\x98\x80",
                                       " ",
                                       "\t",
                                       "\n",
                                       "\"ts\":",
                                       "Z",
                                       "+00:00",
                                       "\x00"};

void mutate(std::string& s, std::mt19937_64& rng, const std::vector<std::string>& pool) {
  auto pick = [&rng](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 7) {
      case 0:  // flip a byte
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1:  // random byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng());
        break;
      case 2: {  // insert a token
        auto t = tokens[pick(std::size(tokens))];
        s.insert(pick(s.size() + 1), t.data(), t.size());
        break;
      }
      case 3:  // delete a range
        if (!s.empty()) {
          std::size_t at = pick(s.size());
          s.erase(at, 1 + pick(std::min<std::size_t>(16, s.size() - at)));
        }
        break;
      case 4:  // duplicate a range
        if (!s.empty()) {
          std::size_t at = pick(s.size());
          std::string part = s.substr(at, 1 + pick(32));
          s.insert(pick(s.size() + 1), part);
        }
        break;
      case 5: {  // splice with another seed
        const std::string& other = pool[pick(pool.size())];
        std::size_t cut = pick(s.size() + 1), from = pick(other.size() + 1);
        s = s.substr(0, cut) + other.substr(from);
        break;
      }
      default:  // truncate
        s.resize(pick(s.size() + 1));
        break;
    }
  }
}

TEST(decode_fuzz, every_mutated_input_ends_as_a_signal_or_an_error_and_reencoding_is_stable) {
  const auto pool = seeds();
  const long iterations =
      std::stol(testing::env_or("NEUROMESH_FUZZ_ITERATIONS", default_iterations));
  const auto budget =
      std::chrono::seconds(std::stol(testing::env_or("NEUROMESH_FUZZ_SECONDS", "30")));
  const auto seed =
      std::stoull(testing::env_or("NEUROMESH_FUZZ_SEED", std::to_string(std::random_device{}())));
  std::mt19937_64 rng(seed);
  const auto deadline = std::chrono::steady_clock::now() + budget;

  long done = 0, accepted = 0;
  std::string input, first, second;
  for (; done < iterations; ++done) {
    if ((done & 1023) == 0 && std::chrono::steady_clock::now() > deadline) break;
    input = pool[static_cast<std::size_t>(rng() % pool.size())];
    mutate(input, rng, pool);
    auto s = decode(input);
    if (!s) {
      ASSERT_FALSE(s.error().message.empty()) << "seed " << seed << " input " << input;
      continue;
    }
    ++accepted;
    first.clear();
    encode_to(*s, first);
    auto again = decode(first);
    ASSERT_TRUE(again) << "seed " << seed << ": re-encoding does not decode: " << first << "\n"
                       << again.error().what();
    second.clear();
    encode_to(*again, second);
    ASSERT_EQ(first, second) << "seed " << seed << " input " << input;
    ASSERT_EQ(*again, *s) << "seed " << seed << " input " << input;
  }
  std::printf("decode_fuzz: seed %llu, %ld inputs, %ld decoded\n",
              static_cast<unsigned long long>(seed), done, accepted);
  EXPECT_GT(accepted, done / 50);  // the mutations keep a share of inputs valid
}

}  // namespace
}  // namespace neuromesh::protocol
